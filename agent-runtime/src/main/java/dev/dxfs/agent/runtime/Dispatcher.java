package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
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

    /**
     * Stages an open; null when it is not staged or cannot be (it is then written in place).
     *
     * @throws Refused when the disk is full (the open fails, as the write would), or when the
     *     write cannot be staged and the settings are strict
     */
    private static StagedFile stage(Stager current, Path target, int flags, int createMode, boolean newFile)
            throws Refused {
        return stage(current, target, flags, createMode, newFile, false);
    }

    /** @param openMakesTemp whether the writer's own open may make the temp file ({@link Stager#stage}) */
    private static StagedFile stage(Stager current, Path target, int flags, int createMode, boolean newFile,
            boolean openMakesTemp) throws Refused {
        try {
            return Guard.run(() -> current.stage(target, flags, createMode, newFile, openMakesTemp));
        } catch (FileAlreadyExistsException e) {
            throw new Refused(e);
        } catch (IOException e) {
            String reason = Stager.noSpace(e);
            if (reason != null) {
                throw new Refused(reason);
            }
            return notStaged(current, target, e instanceof FileSystemException failure && failure.getReason() != null
                    ? failure.getReason() : e.toString());
        } catch (RuntimeException e) {
            return notStaged(current, target, e.toString());
        }
    }

    private static StagedFile notStaged(Stager current, Path target, String why) throws Refused {
        if (current.strict()) {
            throw new Refused("not staged: " + why);
        }
        AgentLog.warn("writing " + target + " in place: it could not be staged (" + why + ")");
        return null;
    }

    /**
     * An open that fails rather than write the file in place: a staged write whose temp file did
     * not fit (an edit's starts as a copy), where a write that fails in place would break the
     * file; an exclusive create of a file this JVM is writing, which exists for it; or, with
     * {@code strict=true}, a write that cannot be staged. The open fails with the JDK's own
     * exception for a failed open, {@code reason} in it.
     */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;
        /** The JDK's exception for this failure, when there is one of its own. */
        private final FileSystemException exact;

        Refused(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
            this.exact = null;
        }

        Refused(FileAlreadyExistsException exists) {
            super(exists.getReason(), null, false, false);
            this.reason = "File exists";
            this.exact = exists;
        }

        /** The exception a java.nio call on {@code path} fails with. */
        FileSystemException failure(Path path) {
            return exact != null ? exact : new FileSystemException(path.toString(), null, reason);
        }
    }

    // ---- java.io

    /** {@code FileOutputStream.open(name, append)}: the name the stream really opens. */
    public static String openStream(Object stream, String name, boolean append) throws FileNotFoundException {
        int flags = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | (append ? OpenFlags.O_APPEND : OpenFlags.O_TRUNC);
        return openByName(stream, name, flags);
    }

    /** {@code RandomAccessFile.open(name, mode)}: the name the file really opens. */
    public static String openRandomAccess(Object file, String name, int mode) throws FileNotFoundException {
        if ((mode & RANDOM_ACCESS_READ_WRITE) == 0) {
            return openInputStream(file, name);
        }
        return openByName(file, name, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
    }

    /**
     * {@code FileInputStream.open(name)}, and {@code RandomAccessFile} in "r": the name the
     * stream really opens, the temp file's while this JVM writes the file (their constructors
     * check the caller's rights first).
     */
    public static String openInputStream(Object stream, String name) {
        Stager current = reading();
        if (current == null) {
            return name;
        }
        try {
            Path temp = Guard.run(() -> current.tempFor(Path.of(name), false));
            return temp == null ? name : temp.toString();
        } catch (IOException | InvalidPathException e) {
            return name;
        }
    }

    /**
     * The stager when this thread may read what this JVM is writing: the agent is on, a staged
     * write is open, and the call is not the agent's own. Checked first, and cheaply, on every
     * read and attribute call.
     */
    private static Stager reading() {
        Stager current = stager;
        return current == null || current.nothingOpen() || Guard.active() ? null : current;
    }

    /**
     * The temp file whose attributes answer for {@code path} while this JVM writes it, or null;
     * the caller's right to read {@code path} checked first, as the JDK's call would.
     */
    private static Path redirected(Path path, boolean noFollow) {
        Stager current = reading();
        if (current == null) {
            return null;
        }
        Path temp;
        try {
            temp = Guard.run(() -> current.tempFor(path, noFollow));
        } catch (IOException e) {
            return null;
        }
        if (temp != null) {
            CallerChecks.read(path.toString());
        }
        return temp;
    }

    private static Path redirected(File file) {
        try {
            return redirected(file.toPath(), false);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** {@code File.length()}: the length of what this JVM wrote to the file, while it writes it; else null. */
    public static Long fileLength(File file) {
        return ofTemp(file, true);
    }

    /** {@code File.lastModified()}: as {@link #fileLength}. */
    public static Long fileLastModified(File file) {
        return ofTemp(file, false);
    }

    /** The length, or the time, of the temp file that answers for {@code file}; null when none does. */
    private static Long ofTemp(File file, boolean length) {
        Path temp = redirected(file);
        if (temp == null) {
            return null;
        }
        try {
            // File answers 0 for a file that is not there: a temp file its stream's open has not
            // yet made (see checkAccess), for which the file's own answer stands.
            return Guard.run(() -> {
                File written = temp.toFile();
                long value = length ? written.length() : written.lastModified();
                return value == 0 && !written.exists() ? null : value;
            });
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code File.exists()}: true while this JVM writes the file (a new one exists for it, as without the agent). */
    public static Boolean fileExists(File file) {
        return redirected(file) == null ? null : Boolean.TRUE;
    }

    /** {@code File.isFile()}: as {@link #fileExists}. */
    public static Boolean fileIsFile(File file) {
        return fileExists(file);
    }

    /**
     * {@code checkAccess(path, modes)} of the default provider ({@code Files.notExists},
     * {@code isReadable}, ...): asked of the temp file while this JVM writes the file (true when
     * answered); else false.
     */
    public static boolean checkAccess(Path path, AccessMode... modes) throws IOException {
        Path temp = redirected(path, false);
        if (temp == null) {
            return false;
        }
        CallerChecks.access(path.toString(), modes);
        try {
            Guard.run(() -> {
                temp.getFileSystem().provider().checkAccess(temp, modes);
                return null;
            });
        } catch (NoSuchFileException notYetMade) {
            // A stream's open that makes its temp file itself has not yet made it: the file is as
            // it was before that open.
            return false;
        }
        return true;
    }

    /** {@code isReadable(path)} of the default provider of JDK 20 and later: asked of the temp file, as {@link #checkAccess}. */
    public static Boolean isReadable(Path path) {
        return accessible(path, AccessMode.READ);
    }

    /** {@code isWritable(path)}: as {@link #isReadable}. */
    public static Boolean isWritable(Path path) {
        return accessible(path, AccessMode.WRITE);
    }

    private static Boolean accessible(Path path, AccessMode mode) {
        try {
            return checkAccess(path, mode) ? Boolean.TRUE : null;
        } catch (IOException e) {
            return Boolean.FALSE;
        }
    }

    /**
     * {@code exists(path)} and {@code isRegularFile(path)} of JDK 17's default provider
     * ({@code Files.exists}, {@code isRegularFile}): true while this JVM writes the file; else null.
     */
    public static Boolean exists(Path path) {
        return redirected(path, false) == null ? null : Boolean.TRUE;
    }

    /** {@code exists(path, options)} of the default provider of JDK 20 and later: as {@link #exists(Path)}. */
    public static Boolean exists(Path path, LinkOption... options) {
        return redirected(path, Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS)) == null ? null
                : Boolean.TRUE;
    }

    /**
     * {@code readAttributes(path, type, options)} of the default provider ({@code Files.size},
     * {@code getLastModifiedTime}, ...): the basic attributes of what this JVM wrote, while it
     * writes the file; else null. Others (posix, unix) are the file's own: the temp file's owner
     * and mode are not what the file will have.
     */
    public static BasicFileAttributes readAttributes(Path path, Class<?> type, LinkOption... options)
            throws IOException {
        if (type != BasicFileAttributes.class) {
            return null;
        }
        Path temp = redirected(path, Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS));
        if (temp == null) {
            return null;
        }
        try {
            return Guard.run(() -> Files.readAttributes(temp, BasicFileAttributes.class));
        } catch (NoSuchFileException notYetMade) {
            // As in checkAccess: the file's own attributes, from before the open.
            return null;
        }
    }

    private static String openByName(Object owner, String name, int flags) throws FileNotFoundException {
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
        StagedFile staged;
        try {
            // A truncating open makes the temp file itself, as it would make a new file.
            staged = stage(current, target, flags, Stager.DEFAULT_CREATE_MODE, false,
                    (flags & OpenFlags.O_TRUNC) != 0);
        } catch (Refused e) {
            // The JDK's own message for an open that fails.
            throw new FileNotFoundException(name + " (" + e.reason + ")");
        }
        if (staged == null) {
            return name;
        }
        // The JDK's open truncates the temp file whatever it holds: a later channel of this write must too.
        staged.firstOpen();
        current.register(owner, staged);
        return staged.temp().toString();
    }

    /**
     * The open of a stream or file threw {@code failure}: it returns when the open is to be tried
     * again (the staging directory was removed under a temp file the open makes itself, and the
     * temp file is made now); otherwise the temp file goes and it throws {@code failure}, naming
     * the target rather than the temp file.
     */
    public static void openFailed(Object owner, Throwable failure) {
        Stager current = stager;
        if (current != null) {
            if (current.madeAgainFor(owner, failure)) {
                return;
            }
            throw Dispatcher.<RuntimeException>rethrow(current.failed(owner, failure));
        }
        throw Dispatcher.<RuntimeException>rethrow(failure);
    }

    /** Throws {@code failure}, checked or not, as the hooked method's own code would have. */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T rethrow(Throwable failure) throws T {
        throw (T) failure;
    }

    /**
     * A write, truncate or transfer of a stream, file or channel threw: a staged write it owns
     * (or its stream's, for a channel from {@code getChannel()}) is never published.
     */
    public static void writeFailed(IOException failure, Object owner) {
        Stager current = stager;
        if (current != null) {
            try {
                current.writeFailed(failure, owner);
            } catch (RuntimeException e) {
                AgentLog.warn("could not record a failed write: " + e);
            }
        }
    }

    /** {@code getChannel()} of a stream or file returns {@code channel}: its writes are the owner's. */
    public static void channelOf(Object channel, Object owner) {
        Stager current = stager;
        if (current != null && channel != null) {
            current.channelOf(channel, owner);
        }
    }

    /**
     * A stream, file or channel was closed: a staged write it owns is published now. Every close
     * of the tool's comes here, reads too: while no staged write is open, none can be this
     * owner's, and the close costs an empty check.
     */
    public static void closed(Object owner) throws IOException {
        Stager current = stager;
        if (current == null || current.nothingOpen()) {
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
        return openChannel(path, options, attributes,
                (temp, first) -> Files.newByteChannel(temp, tempOptions(options, first), attributes));
    }

    /** {@code newFileChannel} of the default provider: as {@link #openByteChannel}. */
    public static FileChannel openFileChannel(Path path, Set<? extends OpenOption> options,
            FileAttribute<?>[] attributes) throws IOException {
        return openChannel(path, options, attributes,
                (temp, first) -> FileChannel.open(temp, tempOptions(options, first), attributes));
    }

    private interface ChannelOpen<C extends Channel> {
        /** @param first whether this is the first open of the temp file, which then holds nothing */
        C open(Path temp, boolean first) throws IOException;
    }

    private static <C extends Channel> C openChannel(Path path, Set<? extends OpenOption> options,
            FileAttribute<?>[] attributes, ChannelOpen<C> open) throws IOException {
        Stager current = active();
        if (current == null) {
            return null;
        }
        CallerChecks.channel(path, options);
        if (!(options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND))) {
            return readChannel(current, path, options, open);
        }
        StagedFile staged;
        try {
            staged = stageChannel(current, path, options, createMode(attributes));
        } catch (Refused e) {
            throw e.failure(path);
        }
        if (staged == null) {
            return null;
        }
        C channel;
        try {
            boolean first = staged.firstOpen();
            channel = Guard.run(() -> open.open(staged.temp(), first));
        } catch (IOException | RuntimeException e) {
            staged.abandon();
            throw e;
        }
        current.register(channel, staged);
        return channel;
    }

    /** A channel that only reads: opened on the temp file while this JVM writes the file; else null. */
    private static <C extends Channel> C readChannel(Stager current, Path path, Set<? extends OpenOption> options,
            ChannelOpen<C> open) throws IOException {
        if (current.nothingOpen()) {
            return null;
        }
        return Guard.run(() -> {
            Path temp = current.tempFor(path, options.contains(LinkOption.NOFOLLOW_LINKS));
            return temp == null ? null : open.open(temp, false);
        });
    }

    /**
     * The mode a channel's new file asks for: a {@code posix:permissions} attribute, which the
     * JDK gives open(2) (the umask then applies); otherwise the JDK's 0666. Any other attribute
     * is the JDK's to refuse, when the channel is opened on the temp file.
     */
    private static int createMode(FileAttribute<?>[] attributes) {
        int mode = Stager.DEFAULT_CREATE_MODE;
        for (FileAttribute<?> attribute : attributes) {
            String name = attribute.name();
            if ((name.equals("posix:permissions") || name.equals("unix:permissions"))
                    && attribute.value() instanceof Set<?> permissions) {
                mode = 0;
                for (Object permission : permissions) {
                    if (permission instanceof PosixFilePermission bit) {
                        mode |= 0400 >> bit.ordinal();
                    }
                }
            }
        }
        return mode;
    }

    /** The staged write of a channel open, or null. */
    private static StagedFile stageChannel(Stager current, Path path, Set<? extends OpenOption> options,
            int createMode) throws Refused {
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
        return stage(current, path, flags, createMode, false);
    }

    /**
     * The options a staged channel opens its temp file with: the temp file exists already; and
     * at its first open it holds nothing, so it is not truncated. A truncate of an empty file
     * is no change, but ext4 then writes the file out at its close (its guard for a file
     * rewritten by truncate and write), which the JVM's own create of a new file does not.
     */
    private static Set<OpenOption> tempOptions(Set<? extends OpenOption> options, boolean first) {
        Set<OpenOption> adjusted = new HashSet<>(options);
        adjusted.remove(StandardOpenOption.CREATE);
        adjusted.remove(StandardOpenOption.CREATE_NEW);
        if (first) {
            adjusted.remove(StandardOpenOption.TRUNCATE_EXISTING);
        }
        return adjusted;
    }

    /**
     * {@code FileSystemProvider.copy}: returns true when the copy was staged and published here
     * (the JDK's copy is then skipped), false to let the JDK copy.
     */
    public static boolean copy(Path source, Path target, CopyOption... options) throws IOException {
        Stager current = active();
        if (current == null) {
            return false;
        }
        CallerChecks.copy(source, target);
        List<CopyOption> given = Arrays.asList(options);
        return Guard.run(() -> {
            if (given.contains(LinkOption.NOFOLLOW_LINKS) && Files.isSymbolicLink(source)
                    || !Files.isRegularFile(source)) {
                return false;
            }
            StagedFile staged = stageNewFile(current, target, given);
            if (staged == null) {
                return false;
            }
            try {
                Map<String, Object> from = Files.readAttributes(source, "unix:mode,uid,gid");
                Stager.copyContent(source, staged.temp());
                int mode = (Integer) from.get("mode");
                if (given.contains(StandardCopyOption.COPY_ATTRIBUTES)) {
                    Files.setLastModifiedTime(staged.temp(), Files.getLastModifiedTime(source));
                    staged.explicit(new Commit.Attributes(mode, (Integer) from.get("uid"),
                            (Integer) from.get("gid")));
                } else {
                    staged.explicit(ownNewFile(staged, current.masked(mode)));
                }
            } catch (IOException | RuntimeException e) {
                staged.discard();
                throw e;
            }
            staged.publish(true);
            return true;
        });
    }

    /**
     * Moves {@code source} over the temp file {@code temp} with one rename where it can: the JDK's
     * move with REPLACE_EXISTING removes the target before its rename, and in that moment the
     * staging directory is empty and another JVM done with it may remove it (the rename then
     * fails with ENOENT). Across filesystems the JDK copies, and that moment stays.
     */
    private static void moveOver(Path source, Path temp) throws IOException {
        try {
            Files.move(source, temp, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, temp, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The staged write of a copy or move onto {@code target}, which the JDK makes as a new file
     * (deleting the target first); null to let the JDK do it.
     */
    private static StagedFile stageNewFile(Stager current, Path target, List<CopyOption> options)
            throws IOException {
        try {
            return stage(current, target, replacing(options), Stager.DEFAULT_CREATE_MODE, true);
        } catch (Refused e) {
            throw e.failure(target);
        }
    }

    /** A new file of this JVM's with {@code mode}: it replaces the target, whose owner it does not keep. */
    private static Commit.Attributes ownNewFile(StagedFile staged, int mode) {
        return new Commit.Attributes(mode, staged.created().uid(), staged.created().gid());
    }

    /** {@code FileSystemProvider.move}: true when the move was staged and published here. */
    public static boolean move(Path source, Path target, CopyOption... options) throws IOException {
        Stager current = active();
        if (current == null) {
            return false;
        }
        CallerChecks.move(source.toString(), target.toString());
        List<CopyOption> given = Arrays.asList(options);
        return Guard.run(() -> {
            publishBeforeRename(current, source);
            if (given.contains(StandardCopyOption.ATOMIC_MOVE) || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            StagedFile staged = stageNewFile(current, target, given);
            if (staged == null) {
                return false;
            }
            try {
                moveOver(source, staged.temp());
                Map<String, Object> moved = Files.readAttributes(staged.temp(), "unix:mode,uid,gid");
                staged.explicit(new Commit.Attributes((Integer) moved.get("mode"), (Integer) moved.get("uid"),
                        (Integer) moved.get("gid")));
            } catch (IOException | RuntimeException e) {
                staged.discard();
                throw e;
            }
            staged.publish(true);
            return true;
        });
    }

    /**
     * A rename of a file this JVM is writing: what it wrote is published first, so that the
     * rename finds the file and moves it, with the writer's descriptor, as without the agent.
     */
    private static void publishBeforeRename(Stager current, Path source) throws IOException {
        Guard.run(() -> {
            for (StagedFile staged : current.openWritesTo(source)) {
                staged.publishNow();
            }
            return null;
        });
    }

    /** {@code File.renameTo}: publishes an open write of the file first; never answers. */
    public static Boolean renameFile(File source, File target) {
        Stager current = active();
        if (current != null) {
            CallerChecks.rename(source, target);
            try {
                publishBeforeRename(current, source.toPath());
            } catch (IOException | RuntimeException e) {
                // renameTo reports failure only by its result: the rename then finds no file, or the previous version.
                AgentLog.warn("could not publish " + source + " before its rename: " + e);
            }
        }
        return null;
    }

    /** {@code File.delete}: as {@link #delete}, answering true when it deleted a new file itself. */
    public static Boolean deleteFile(File file) {
        Stager current = active();
        if (current == null) {
            return null;
        }
        CallerChecks.delete(file.getPath());
        try {
            return delete(current, file.toPath());
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * {@code implDelete(path, failIfNotFound)} of the default provider ({@code Files.delete},
     * {@code deleteIfExists}): true when it deleted a new file itself, null to let the JDK delete.
     */
    public static Boolean delete(Path path, boolean failIfNotFound) {
        Stager current = active();
        if (current == null) {
            return null;
        }
        CallerChecks.delete(path.toString());
        return delete(current, path);
    }

    /**
     * A delete of a file this JVM is writing: the writes vanish, as an unlinked file's do, so
     * none is published. The file the write replaces is deleted by the JDK; a new file, which
     * exists only as the temp file, is deleted here (the temp file goes at the close).
     */
    private static Boolean delete(Stager current, Path path) {
        try {
            return Guard.run(() -> {
                List<StagedFile> writes = current.openWritesTo(path);
                if (writes.isEmpty()) {
                    return null;
                }
                boolean replacing = false;
                for (StagedFile staged : writes) {
                    staged.orphan();
                    replacing |= staged.existed();
                }
                return replacing || Files.exists(path, LinkOption.NOFOLLOW_LINKS) ? null : Boolean.TRUE;
            });
        } catch (IOException e) {
            // Nothing here throws one; the JDK deletes as without the agent.
            return null;
        }
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
        CallerChecks.write(target);
        StagedFile staged = stageNewFile(current, target, Arrays.asList(options));
        if (staged == null) {
            return null;
        }
        long copied;
        // The tool's stream is read with the tool's rights, outside the guard; only the temp file is the agent's.
        try (OutputStream out = Guard.run(() -> Files.newOutputStream(staged.temp(), StandardOpenOption.WRITE))) {
            copied = in.transferTo(out);
        } catch (IOException | RuntimeException e) {
            staged.discard();
            throw e;
        }
        Guard.run(() -> {
            staged.explicit(ownNewFile(staged, current.masked(Stager.DEFAULT_CREATE_MODE)));
            staged.publish(true);
            return null;
        });
        return copied;
    }

    /** The open(2) flags of a copy or move onto a target: replacing only when asked to. */
    private static int replacing(List<CopyOption> options) {
        return OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC
                | (options.contains(StandardCopyOption.REPLACE_EXISTING) ? 0 : OpenFlags.O_EXCL);
    }
}
