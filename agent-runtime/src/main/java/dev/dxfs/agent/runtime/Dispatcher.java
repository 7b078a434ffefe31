package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the agent's code woven into the JDK's file classes calls. Every method is a no-op
 * until the agent is configured, and for the agent's own file operations ({@link Guard}); none
 * lets an unexpected exception into the tool: a write the agent cannot stage is written as
 * without the agent, with a warning.
 */
public final class Dispatcher {
    /** RandomAccessFile's own mode bit for "rw" (its O_RDWR). */
    private static final int RANDOM_ACCESS_READ_WRITE = 2;

    private static volatile Stager stager;

    private Dispatcher() {}

    /** Turns the agent on. */
    public static void configure(AgentSettings settings) throws IOException {
        AgentLog.debugEnabled(settings.debug());
        stager = new Stager(settings);
        AgentLog.debug("staging writes under " + settings.roots());
    }

    private static Stager active() {
        Stager current = stager;
        return current == null || Guard.active() ? null : current;
    }

    /** Stages an open; null when it is not staged or cannot be. */
    private static StagedFile stage(Stager current, Path target, int flags) {
        try {
            return Guard.run(() -> current.stage(target, flags));
        } catch (IOException | RuntimeException e) {
            AgentLog.warn("writing " + target + " in place: it could not be staged (" + e + ")");
            return null;
        }
    }

    // ---- java.io

    /** {@code FileOutputStream.open(name, append)}: the name the stream really opens. */
    public static String openStream(Object stream, String name, boolean append) {
        int flags = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | (append ? OpenFlags.O_APPEND : OpenFlags.O_TRUNC);
        return openByName(stream, name, flags);
    }

    /** {@code RandomAccessFile.open(name, mode)}: the name the file really opens. */
    public static String openRandomAccess(Object file, String name, int mode) {
        if ((mode & RANDOM_ACCESS_READ_WRITE) == 0) {
            return name;
        }
        return openByName(file, name, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
    }

    private static String openByName(Object owner, String name, int flags) {
        Stager current = active();
        if (current == null) {
            return name;
        }
        Path target;
        try {
            target = Path.of(name);
        } catch (InvalidPathException e) {
            return name;
        }
        StagedFile staged = stage(current, target, flags);
        if (staged == null) {
            return name;
        }
        current.register(owner, staged);
        return staged.temp().toString();
    }

    /** The open of a stream, file or channel failed: its temp file goes. */
    public static void openFailed(Object owner) {
        Stager current = stager;
        if (current != null) {
            current.failed(owner);
        }
    }

    /** A stream, file or channel was closed: a staged write it owns is published now. */
    public static void closed(Object owner) throws IOException {
        Stager current = stager;
        if (current == null) {
            return;
        }
        Guard.run(() -> {
            current.closed(owner);
            return null;
        });
    }

    // ---- java.nio

    /**
     * {@code newByteChannel} of the default provider: a staged channel, opened on its temp file
     * here; null to let the JDK open the channel.
     */
    public static SeekableByteChannel openByteChannel(Path path, Set<? extends OpenOption> options,
            FileAttribute<?>[] attributes) throws IOException {
        return openChannel(path, options, temp -> Files.newByteChannel(temp, tempOptions(options), attributes));
    }

    /** {@code newFileChannel} of the default provider: as {@link #openByteChannel}. */
    public static FileChannel openFileChannel(Path path, Set<? extends OpenOption> options,
            FileAttribute<?>[] attributes) throws IOException {
        return openChannel(path, options, temp -> FileChannel.open(temp, tempOptions(options), attributes));
    }

    private interface ChannelOpen<C extends Channel> {
        C open(Path temp) throws IOException;
    }

    private static <C extends Channel> C openChannel(Path path, Set<? extends OpenOption> options,
            ChannelOpen<C> open) throws IOException {
        Stager current = active();
        StagedFile staged = current == null ? null : stageChannel(current, path, options);
        if (staged == null) {
            return null;
        }
        C channel;
        try {
            channel = Guard.run(() -> open.open(staged.temp()));
        } catch (IOException | RuntimeException e) {
            staged.discard();
            throw e;
        }
        current.register(channel, staged);
        return channel;
    }

    /** The staged write of a channel open, or null. */
    private static StagedFile stageChannel(Stager current, Path path, Set<? extends OpenOption> options) {
        if (!(options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND))) {
            return null;
        }
        int flags = options.contains(StandardOpenOption.READ) ? OpenFlags.O_RDWR : OpenFlags.O_WRONLY;
        if (options.contains(StandardOpenOption.APPEND)) {
            flags |= OpenFlags.O_APPEND;
        }
        if (options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            flags |= OpenFlags.O_TRUNC;
        }
        if (options.contains(StandardOpenOption.CREATE)) {
            flags |= OpenFlags.O_CREAT;
        }
        if (options.contains(StandardOpenOption.CREATE_NEW)) {
            flags |= OpenFlags.O_CREAT | OpenFlags.O_EXCL;
        }
        return stage(current, path, flags);
    }

    /** The options a staged channel opens its temp file with: the temp file exists already. */
    private static Set<OpenOption> tempOptions(Set<? extends OpenOption> options) {
        Set<OpenOption> adjusted = new HashSet<>(options);
        adjusted.remove(StandardOpenOption.CREATE);
        adjusted.remove(StandardOpenOption.CREATE_NEW);
        return adjusted;
    }

    /**
     * {@code FileSystemProvider.copy}: returns true when the copy was staged and published here
     * (the JDK's copy is then skipped), false to let the JDK copy.
     */
    public static boolean copy(Path source, Path target, CopyOption... options) throws IOException {
        Stager current = active();
        List<CopyOption> given = Arrays.asList(options);
        if (current == null || given.contains(LinkOption.NOFOLLOW_LINKS) && Files.isSymbolicLink(source)
                || !Files.isRegularFile(source)) {
            return false;
        }
        StagedFile staged = stage(current, target, replacing(given));
        if (staged == null) {
            return false;
        }
        Guard.run(() -> {
            Map<String, Object> from = Files.readAttributes(source, "unix:mode,uid,gid");
            Stager.copyContent(source, staged.temp());
            int mode = (Integer) from.get("mode");
            if (given.contains(StandardCopyOption.COPY_ATTRIBUTES)) {
                Files.setLastModifiedTime(staged.temp(), Files.getLastModifiedTime(source));
                staged.explicit(new Commit.Attributes(mode, (Integer) from.get("uid"), (Integer) from.get("gid")));
            } else {
                staged.explicit(new Commit.Attributes(current.masked(mode), -1, -1));
            }
            staged.publish();
            return null;
        });
        return true;
    }

    /** {@code FileSystemProvider.move}: true when the move was staged and published here. */
    public static boolean move(Path source, Path target, CopyOption... options) throws IOException {
        Stager current = active();
        List<CopyOption> given = Arrays.asList(options);
        if (current == null || given.contains(StandardCopyOption.ATOMIC_MOVE)
                || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        StagedFile staged = stage(current, target, replacing(given));
        if (staged == null) {
            return false;
        }
        Guard.run(() -> {
            Files.move(source, staged.temp(), StandardCopyOption.REPLACE_EXISTING);
            Map<String, Object> moved = Files.readAttributes(staged.temp(), "unix:mode,uid,gid");
            staged.explicit(new Commit.Attributes((Integer) moved.get("mode"), (Integer) moved.get("uid"),
                    (Integer) moved.get("gid")));
            staged.publish();
            return null;
        });
        return true;
    }

    /**
     * {@code Files.copy(InputStream, Path, ...)}: the bytes copied when the copy was staged and
     * published here, null to let the JDK copy (which would delete the target first).
     */
    public static Long copyStream(InputStream in, Path target, CopyOption... options) throws IOException {
        Stager current = active();
        if (current == null) {
            return null;
        }
        StagedFile staged = stage(current, target, replacing(Arrays.asList(options)));
        if (staged == null) {
            return null;
        }
        return Guard.run(() -> {
            long copied;
            try (OutputStream out = Files.newOutputStream(staged.temp(), StandardOpenOption.WRITE)) {
                copied = in.transferTo(out);
            } catch (IOException | RuntimeException e) {
                staged.discard();
                throw e;
            }
            staged.explicit(new Commit.Attributes(current.masked(0666), -1, -1));
            staged.publish();
            return copied;
        });
    }

    /** The open(2) flags of a copy or move onto a target: replacing only when asked to. */
    private static int replacing(List<CopyOption> options) {
        return OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC
                | (options.contains(StandardCopyOption.REPLACE_EXISTING) ? 0 : OpenFlags.O_EXCL);
    }
}
