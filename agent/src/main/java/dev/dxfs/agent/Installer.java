package dev.dxfs.agent;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import dev.dxfs.agent.advice.ChannelOpenAdvice;
import dev.dxfs.agent.advice.CloseAdvice;
import dev.dxfs.agent.advice.OutputStreamOpenAdvice;
import dev.dxfs.agent.advice.ProviderCopyAdvice;
import dev.dxfs.agent.advice.ProviderMoveAdvice;
import dev.dxfs.agent.advice.RandomAccessOpenAdvice;
import dev.dxfs.agent.advice.StreamCopyAdvice;
import dev.dxfs.agent.runtime.AgentSettings;
import dev.dxfs.agent.runtime.Dispatcher;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.CopyOption;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/**
 * Reads the settings and weaves the advice into the JDK's file classes. The points are the ones
 * every write of a file goes through: {@code FileOutputStream} and {@code RandomAccessFile}
 * opening by name, the default file system provider opening channels, copying and moving,
 * {@code Files.copy} from a stream, and the closes of all of them.
 */
final class Installer {
    private static final Set<String> WOVEN_PROVIDER_METHODS = Set.of("newByteChannel", "newFileChannel", "copy",
            "move");

    private Installer() {}

    static void install(String args, Instrumentation instrumentation) {
        try {
            Dispatcher.configure(AgentSettings.parse(args, Path.of("").toAbsolutePath()));
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("dxfs-agent: " + e.getMessage() + "; running without the agent");
            return;
        }
        List<String> providers = providerTypes();
        List<String> woven = new ArrayList<>(List.of("java.io.FileOutputStream", "java.io.RandomAccessFile",
                "java.nio.channels.spi.AbstractInterruptibleChannel", "java.nio.file.Files"));
        woven.addAll(providers);
        new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .with(new Failures())
                // Only the woven types are looked at: matching every class the tool loads would
                // resolve type hierarchies in the middle of class loading.
                .ignore(not(namedOneOf(woven.toArray(String[]::new))))
                .type(named("java.io.FileOutputStream"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(OutputStreamOpenAdvice.class)
                                .on(named("open").and(takesArguments(String.class, boolean.class))))
                        .visit(Advice.to(CloseAdvice.class).on(named("close").and(takesNoArguments()))))
                .type(named("java.io.RandomAccessFile"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(RandomAccessOpenAdvice.class)
                                .on(named("open").and(takesArguments(String.class, int.class))))
                        .visit(Advice.to(CloseAdvice.class).on(named("close").and(takesNoArguments()))))
                .type(named("java.nio.channels.spi.AbstractInterruptibleChannel"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(CloseAdvice.class).on(named("close").and(takesNoArguments()))))
                .type(namedOneOf(providers.toArray(String[]::new)))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(ChannelOpenAdvice.class)
                                .on(named("newByteChannel").or(named("newFileChannel")).and(not(isAbstract()))))
                        .visit(Advice.to(ProviderCopyAdvice.class).on(named("copy")
                                .and(takesArguments(Path.class, Path.class, CopyOption[].class)).and(not(isAbstract()))))
                        .visit(Advice.to(ProviderMoveAdvice.class).on(named("move")
                                .and(takesArguments(Path.class, Path.class, CopyOption[].class)).and(not(isAbstract())))))
                .type(named("java.nio.file.Files"))
                .transform((builder, type, loader, module, domain) -> builder
                        .visit(Advice.to(StreamCopyAdvice.class).on(named("copy")
                                .and(takesArguments(InputStream.class, Path.class, CopyOption[].class)))))
                .installOn(instrumentation);
    }

    /**
     * The classes of the default file system provider's hierarchy that declare the methods the
     * agent weaves (on Linux, {@code sun.nio.fs.UnixFileSystemProvider}), found at start rather
     * than named, since they move between JDK versions.
     */
    private static List<String> providerTypes() {
        List<String> types = new ArrayList<>();
        for (Class<?> type = FileSystems.getDefault().provider().getClass(); type != null && type != Object.class;
                type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                if (WOVEN_PROVIDER_METHODS.contains(method.getName()) && !Modifier.isAbstract(method.getModifiers())) {
                    types.add(type.getName());
                    break;
                }
            }
        }
        return types;
    }

    /** A class that could not be woven is a write the agent would miss: say so. */
    private static final class Failures extends AgentBuilder.Listener.Adapter {
        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                Throwable throwable) {
            System.err.println("dxfs-agent: cannot instrument " + typeName + ": " + throwable);
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader classLoader, JavaModule module,
                boolean loaded, DynamicType dynamicType) {
            // Nothing to report.
        }
    }
}
