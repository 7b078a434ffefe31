package dev.dxfs.agent;

import dev.dxfs.agent.runtime.AgentSettings;
import dev.dxfs.agent.runtime.Dispatcher;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the settings and rewrites the JDK's file classes at the points every write of a file
 * goes through: {@code FileOutputStream} and {@code RandomAccessFile} opening by name, the
 * default file system provider opening channels, copying and moving, {@code Files.copy} from a
 * stream, and the closes of all of them.
 */
final class Installer {
    private static final String PATH_COPY = "(Ljava/nio/file/Path;Ljava/nio/file/Path;[Ljava/nio/file/CopyOption;)V";
    private static final String ATTRIBUTES_ARGUMENTS = "(Ljava/nio/file/Path;Ljava/lang/Class;[Ljava/nio/file/LinkOption;)";
    private static final String BASIC_ATTRIBUTES = "Ljava/nio/file/attribute/BasicFileAttributes;";
    private static final String CHANNEL_ARGUMENTS = "(Ljava/nio/file/Path;Ljava/util/Set;[Ljava/nio/file/attribute/FileAttribute;)";

    private Installer() {}

    static void install(String args, Instrumentation instrumentation) {
        try {
            Dispatcher.configure(AgentSettings.parse(args, Path.of("").toAbsolutePath()));
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("dxfs-agent: " + e.getMessage() + "; running without the agent");
            return;
        }
        Map<String, List<Hook>> hooks = hooks();
        JdkWeaver weaver = new JdkWeaver(hooks);
        instrumentation.addTransformer(weaver, true);
        try {
            List<Class<?>> classes = new ArrayList<>();
            for (String type : hooks.keySet()) {
                classes.add(Class.forName(type.replace('/', '.'), false, null));
            }
            instrumentation.retransformClasses(classes.toArray(new Class<?>[0]));
        } catch (ClassNotFoundException | UnmodifiableClassException | RuntimeException | LinkageError e) {
            System.err.println("dxfs-agent: cannot instrument the JDK's file classes: " + e);
            return;
        }
        for (Hook hook : weaver.missing()) {
            System.err.println("dxfs-agent: cannot instrument " + hook + ": no such method in this JDK");
        }
    }

    /** The hooks, by the internal name of the class that declares their methods. */
    static Map<String, List<Hook>> hooks() {
        Map<String, List<Hook>> hooks = new HashMap<>();
        hooks.put("java/io/FileOutputStream", List.of(Hook.open("(Ljava/lang/String;Z)V", "openStream"), Hook.close(),
                Hook.failure("write", "(I)V"), Hook.failure("write", "([B)V"), Hook.failure("write", "([BII)V"),
                Hook.channel()));
        hooks.put("java/io/RandomAccessFile", List.of(Hook.open("(Ljava/lang/String;I)V", "openRandomAccess"),
                Hook.close(), Hook.failure("write", "(I)V"), Hook.failure("write", "([B)V"),
                Hook.failure("write", "([BII)V"), Hook.failure("writeBytes", "(Ljava/lang/String;)V"),
                Hook.failure("writeChars", "(Ljava/lang/String;)V"),
                Hook.channel()));
        // The JDK's file channel: every channel on a file, whether opened by path or by getChannel().
        hooks.put("sun/nio/ch/FileChannelImpl", List.of(Hook.failure("write", "(Ljava/nio/ByteBuffer;)I"),
                Hook.failure("write", "([Ljava/nio/ByteBuffer;II)J"), Hook.failure("write", "(Ljava/nio/ByteBuffer;J)I"),
                Hook.failure("transferFrom", "(Ljava/nio/channels/ReadableByteChannel;JJ)J"),
                Hook.failure("truncate", "(J)Ljava/nio/channels/FileChannel;")));
        hooks.put("java/nio/channels/spi/AbstractInterruptibleChannel", List.of(Hook.close()));
        // A read of a file this JVM is writing reads what it wrote, as without the agent.
        hooks.put("java/io/FileInputStream", List.of(Hook.open("(Ljava/lang/String;)V", "openInputStream")));
        // A delete or rename of a file this JVM is writing; its size, time and existence as this JVM wrote them.
        hooks.put("java/io/File", List.of(Hook.answerWithReceiver("delete", "()Z", "deleteFile"),
                Hook.answerWithReceiver("renameTo", "(Ljava/io/File;)Z", "renameFile"),
                Hook.answerWithReceiver("length", "()J", "fileLength"),
                Hook.answerWithReceiver("lastModified", "()J", "fileLastModified"),
                Hook.answerWithReceiver("exists", "()Z", "fileExists"),
                Hook.answerWithReceiver("isFile", "()Z", "fileIsFile")));
        hooks.put("java/nio/file/Files", List.of(Hook.answer("copy",
                "(Ljava/io/InputStream;Ljava/nio/file/Path;[Ljava/nio/file/CopyOption;)J", "copyStream")));
        List<Hook> provider = List.of(
                Hook.answer("newByteChannel", CHANNEL_ARGUMENTS + "Ljava/nio/channels/SeekableByteChannel;",
                        "openByteChannel"),
                Hook.answer("newFileChannel", CHANNEL_ARGUMENTS + "Ljava/nio/channels/FileChannel;", "openFileChannel"),
                Hook.answer("copy", PATH_COPY, "copy"),
                Hook.answer("move", PATH_COPY, "move"),
                Hook.answer("implDelete", "(Ljava/nio/file/Path;Z)Z", "delete"),
                Hook.answer("readAttributes", ATTRIBUTES_ARGUMENTS + BASIC_ATTRIBUTES, "readAttributes"),
                Hook.answer("checkAccess", "(Ljava/nio/file/Path;[Ljava/nio/file/AccessMode;)V", "checkAccess"),
                // Files.exists and isRegularFile: JDK 17 asks these,
                Hook.answerInSomeJdks("exists", "(Ljava/nio/file/Path;)Z", "exists"),
                Hook.answerInSomeJdks("isRegularFile", "(Ljava/nio/file/Path;)Z", "exists"),
                // and JDK 20 and later these,
                Hook.answerInSomeJdks("isReadable", "(Ljava/nio/file/Path;)Z", "isReadable"),
                Hook.answerInSomeJdks("isWritable", "(Ljava/nio/file/Path;)Z", "isWritable"),
                Hook.answerInSomeJdks("exists", "(Ljava/nio/file/Path;[Ljava/nio/file/LinkOption;)Z", "exists"),
                Hook.answerInSomeJdks("readAttributesIfExists", ATTRIBUTES_ARGUMENTS + BASIC_ATTRIBUTES,
                        "readAttributes"));
        for (String type : providerTypes()) {
            hooks.put(type, provider);
        }
        return hooks;
    }

    /**
     * The default file system provider's class and its superclasses below the JDK's public
     * {@code FileSystemProvider} (on Linux, {@code sun.nio.fs.LinuxFileSystemProvider} and its
     * parents): the internal classes move between JDK versions, so they are found at start.
     * {@code FileSystemProvider} itself is left alone, since other providers (zip) share it.
     */
    private static List<String> providerTypes() {
        List<String> types = new ArrayList<>();
        for (Class<?> type = FileSystems.getDefault().provider().getClass(); type != FileSystemProvider.class;
                type = type.getSuperclass()) {
            types.add(type.getName().replace('.', '/'));
        }
        return types;
    }
}
