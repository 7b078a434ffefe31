package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import dev.dxfs.policy.StagingArea;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.channels.FileChannel;
import java.nio.file.AccessMode;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The policy applied inside one JVM: which opens are staged, where their temp files go, and the
 * registry of staged writes still open, by the stream or channel that owns each. A write is
 * published when its owner is closed, when the owner is collected without a close, or at JVM
 * exit, whichever comes first; a write that failed is discarded instead.
 */
final class Stager {
    private static final int PERMISSION_BITS = 07777;
    /** The mode the JDK creates files with, before the umask. */
    static final int DEFAULT_CREATE_MODE = 0666;
    private static final int SET_GID = 02000;

    private final AgentSettings settings;
    private final StagingPolicy policy;
    private final StagingArea area;
    private final ProcessStatus process;
    private final RealRoots roots;
    private final Map<Object, Registration> open = Collections.synchronizedMap(new WeakHashMap<>());
    /** Channels of staged streams and files ({@code getChannel()}): their writes are the owner's. */
    private final Map<Object, StagedFile> channels = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<StagedFile> unsettled = ConcurrentHashMap.newKeySet();
    /** Staging directories by the directory that holds them; guarded by this. */
    private final Map<Path, StagingDirectory> stagingDirs = new HashMap<>();
    private final Cleaner cleaner = Cleaner.create();

    private record Registration(StagedFile staged, Exit exit, Cleaner.Cleanable cleanable) {}

    /** One owner's leaving its staged write, once: at its close, or when it is collected unclosed. */
    private final class Exit implements Runnable {
        private final StagedFile staged;
        /** Guarded by this. */
        private boolean done;

        Exit(StagedFile staged) {
            this.staged = staged;
        }

        /** The owner is done: the staged write is published if it was the last owner; a failure is the close's. */
        void leave(boolean report) throws IOException {
            if (once()) {
                try {
                    staged.leave(report);
                } finally {
                    forgetIfSettled();
                }
            }
        }

        /** The owner's open failed: it leaves, and the temp file goes if no other owner writes it. */
        void abandon() {
            if (once()) {
                staged.abandon();
                forgetIfSettled();
            }
        }

        private synchronized boolean once() {
            boolean first = !done;
            done = true;
            return first;
        }

        private void forgetIfSettled() {
            if (staged.settled()) {
                unsettled.remove(staged);
            }
        }

        /** The owner was collected without a close: it still publishes what it wrote, as a close would. */
        @Override
        public void run() {
            try {
                Guard.run(() -> {
                    leave(false);
                    return null;
                });
            } catch (IOException | RuntimeException e) {
                AgentLog.warn("could not publish " + staged.target() + ": " + e);
            }
        }
    }

    Stager(AgentSettings settings) throws IOException {
        this.settings = settings;
        this.policy = new StagingPolicy(settings.filter());
        this.process = ProcessStatus.read();
        this.area = new StagingArea("agent", process.pid());
        this.roots = new RealRoots(settings.roots());
        for (Path root : settings.roots()) {
            StagingDirectory.sweepAtStart(root.resolve(StagingArea.DIRECTORY), area);
        }
        // Not a lambda: this runs in the tool's start-up, where a lambda costs a spun class.
        Runtime.getRuntime().addShutdownHook(new Thread("dxfs-agent-exit") {
            @Override
            public void run() {
                publishAll();
            }
        });
    }

    /**
     * The staged file for an open of {@code target} with open(2) {@code flags}, its temp file
     * made (and filled for an in-place edit); null when the open is not staged: outside the
     * roots or the filter, an append or a read, an open that fails natively anyway (it then
     * fails as it would have), or one that a rename cannot publish as the JVM would have written
     * it (written in place, with a warning).
     *
     * @param createMode the mode a new file asks for, before the umask
     * @param newFile whether the write makes a new file that replaces the target, as the JDK's
     *     own copy and move do (they delete the target first): only the directory's permissions
     *     apply, and the file is the writer's
     * @param openMakesTemp whether the writer's open (a stream's, with {@code O_CREAT}) may make
     *     the temp file itself: one open and close fewer, and no truncate of an empty file
     * @throws IOException when the temp file cannot be made or filled (the caller decides)
     */
    StagedFile stage(Path target, int flags, int createMode, boolean newFile, boolean openMakesTemp)
            throws IOException {
        if (target.getFileSystem() != FileSystems.getDefault()) {
            return null;
        }
        LandingPath landing;
        try {
            // A write through a symlink writes the file it points to; O_EXCL, a copy and a move make the name itself.
            landing = LandingPath.of(target, !newFile && !OpenFlags.exclusive(flags), roots);
        } catch (IOException e) {
            // A missing directory, a symlink loop: the open fails natively, as it would.
            return null;
        }
        Path absolute = landing.path();
        Path root = landing.root();
        if (root == null) {
            return null;
        }
        if (OpenFlags.exclusive(flags)) {
            if (!openWritesTo(absolute).isEmpty()) {
                // The file exists for this JVM, which is writing it, if not yet for others.
                throw new FileAlreadyExistsException(target.toString());
            }
        } else if (newFile) {
            // The JDK's copy and move delete the target first: what this JVM is writing to it then vanishes.
            for (StagedFile live : openWritesTo(absolute)) {
                live.orphan();
            }
        } else {
            // A second write-open of a file this JVM is writing writes the same file, as a second descriptor would.
            for (StagedFile live : openWritesTo(absolute)) {
                if (live.join()) {
                    return live;
                }
            }
        }
        Path parent = absolute.getParent();
        boolean exists = landing.exists();
        WriteKind kind = policy.classify(root.relativize(absolute).toString(), flags, exists);
        if (!kind.staged() || exists && (OpenFlags.exclusive(flags) || !landing.isRegularFile())
                || !exists && (flags & OpenFlags.O_CREAT) == 0) {
            return null;
        }
        // The JVM's own permission decisions: an open it would refuse is not staged, and fails as it would.
        Commit.Attributes replaced = null;
        if (exists && !newFile) {
            if (!mayWrite(absolute)) {
                return null;
            }
            replaced = landing.attributes();
            if (!process.privileged() && replaced.uid() != process.uid()) {
                return inPlace(absolute, "it belongs to another user, and a file this JVM makes would be its own");
            }
        }
        if (!mayCreateIn(parent)) {
            return replaced != null ? inPlace(absolute, "its directory is not writable, so it cannot be replaced") : null;
        }
        int gid = replaced != null ? replaced.gid() : createdGroup(parent);
        Commit.Attributes created = new Commit.Attributes(createMode & PERMISSION_BITS & ~process.umask(),
                process.uid(), gid);
        StagingDirectory dir = stagingDirectory(StagingArea.hostOf(parent, d -> d.equals(root) ? null : d.getParent(),
                Stager::device));
        // The open may make the temp file when nothing is to be given to it first: no copy, no group of another.
        Path temp = dir.newTemp(openMakesTemp && kind == WriteKind.REWRITE && gid == process.gid());
        try {
            if (keepGroup(temp, gid, dir)) {
                if (kind == WriteKind.EDIT) {
                    copyContent(absolute, temp);
                }
                if (AgentLog.debugging()) {
                    AgentLog.debug("staging " + absolute + " in " + temp);
                }
                return new StagedFile(dir, absolute, temp, exists, created, settings.durable(), process.privileged(),
                        process);
            }
        } catch (IOException | RuntimeException e) {
            dir.discard(temp);
            throw e;
        }
        dir.discard(temp);
        return inPlace(absolute, "its group is not one of this user's");
    }

    /** A write that a rename cannot publish as the JVM would have written it: in place, with a warning, unless strict. */
    private StagedFile inPlace(Path target, String why) throws IOException {
        if (settings.strict()) {
            throw new FileSystemException(target.toString(), null, why);
        }
        AgentLog.warn("writing " + target + " in place: " + why);
        return null;
    }

    /** Whether a write that cannot be staged fails at its open rather than going in place. */
    boolean strict() {
        return settings.strict();
    }

    /** Whether this JVM may open {@code file} for writing: access(2), as open(2) would decide. */
    private static boolean mayWrite(Path file) {
        try {
            file.getFileSystem().provider().checkAccess(file, AccessMode.WRITE);
            return true;
        } catch (FileSystemException e) {
            // A running executable: natively the open fails, but replacing it by a rename is what lets a build rewrite it.
            return "Text file busy".equals(e.getReason());
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether this JVM may create and rename files in {@code dir}. */
    private static boolean mayCreateIn(Path dir) {
        try {
            dir.getFileSystem().provider().checkAccess(dir, AccessMode.WRITE, AccessMode.EXECUTE);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The group a new file in {@code dir} gets: the directory's when it is setgid, else the process's. */
    private int createdGroup(Path dir) throws IOException {
        Map<String, Object> attributes = Files.readAttributes(dir, "unix:mode,gid");
        return ((Integer) attributes.get("mode") & SET_GID) != 0 ? (Integer) attributes.get("gid") : process.gid();
    }

    /**
     * Gives the temp file group {@code gid}, as the rewritten or created file has; false when
     * this user cannot. Its group is asked of the file only when the staging directory may be
     * setgid.
     */
    private boolean keepGroup(Path temp, int gid, StagingDirectory dir) throws IOException {
        int group = dir.tempsTakeTheirMakersGroup() ? process.gid() : (Integer) Files.getAttribute(temp, "unix:gid");
        if (group == gid) {
            return true;
        }
        try {
            Files.setAttribute(temp, "unix:gid", gid);
            return true;
        } catch (FileSystemException e) {
            return false;
        }
    }

    /** The mode a file made by the JDK from {@code sourceMode} gets: the process's umask applies. */
    int masked(int sourceMode) {
        return sourceMode & PERMISSION_BITS & ~process.umask();
    }

    /** This JVM's handle on the staging directory in {@code host}. */
    private synchronized StagingDirectory stagingDirectory(Path host) {
        StagingDirectory dir = stagingDirs.get(host);
        if (dir == null) {
            dir = new StagingDirectory(host, area);
            stagingDirs.put(host, dir);
        }
        return dir;
    }

    private static long device(Path dir) {
        try {
            return (Long) Files.getAttribute(dir, "unix:dev");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fills {@code temp} with {@code source}'s bytes, in the kernel where it can, keeping temp's mode. */
    static void copyContent(Path source, Path temp) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            long size = in.size();
            for (long done = 0; done < size; ) {
                long moved = in.transferTo(done, size - done, out);
                if (moved <= 0) {
                    break;
                }
                done += moved;
            }
        }
    }

    /** The reason, when {@code e} says the disk (or the user's quota) is full; else null. */
    static String noSpace(IOException e) {
        String reason = e instanceof FileSystemException failure ? failure.getReason() : e.getMessage();
        return reason != null && (reason.equals("No space left on device") || reason.equals("Disk quota exceeded"))
                ? reason : null;
    }

    /** {@code owner} (a stream or channel now writing the temp file) publishes it when done. */
    void register(Object owner, StagedFile staged) {
        unsettled.add(staged);
        Exit exit = new Exit(staged);
        open.put(owner, new Registration(staged, exit, cleaner.register(owner, exit)));
    }

    /** {@code channel} is the channel of {@code owner}: a write through it is a write of the owner's. */
    void channelOf(Object channel, Object owner) {
        Registration registration = open.get(owner);
        if (registration != null) {
            channels.put(channel, registration.staged());
        }
    }

    /** A write of {@code owner} (or of its channel) failed: what it writes is never published. */
    void writeFailed(IOException failure, Object owner) {
        Registration registration = open.get(owner);
        StagedFile staged = registration != null ? registration.staged() : channels.get(owner);
        if (staged != null) {
            staged.writeFailed(failure);
        }
    }

    /**
     * The staged writes of this JVM to {@code path} that are open and still answer for it (not
     * those already published by a rename, nor those whose file was deleted), and not those of
     * the file a symlink at {@code path} points to.
     */
    List<StagedFile> openWritesTo(Path path) {
        return openWritesTo(path, false);
    }

    /**
     * The temp file of this JVM's open write to {@code path} (a symlink at it followed unless
     * {@code noFollow}), which a read of it in this JVM reads instead; null when there is none.
     */
    Path tempFor(Path path, boolean noFollow) {
        List<StagedFile> writes = openWritesTo(path, !noFollow);
        return writes.isEmpty() ? null : writes.get(0).temp();
    }

    /** Whether this JVM has no staged write open: then no read or attribute of a file is redirected, and no close publishes. */
    boolean nothingOpen() {
        return unsettled.isEmpty();
    }

    private List<StagedFile> openWritesTo(Path path, boolean followLink) {
        if (unsettled.isEmpty() || path.getFileSystem() != FileSystems.getDefault() || !anyNamed(path.getFileName())) {
            return List.of();
        }
        Path landing;
        try {
            landing = LandingPath.of(path, followLink, roots).path();
        } catch (IOException e) {
            return List.of();
        }
        List<StagedFile> writes = new ArrayList<>();
        for (StagedFile staged : unsettled) {
            if (staged.target().equals(landing) && staged.live()) {
                writes.add(staged);
            }
        }
        return writes;
    }

    /** Whether an open write's target has the name {@code name}: a look-up costs no system call when none has. */
    private boolean anyNamed(Path name) {
        if (name == null) {
            return false;
        }
        for (StagedFile staged : unsettled) {
            if (staged.target().getFileName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The owner was closed: its write is published now (or, if a write failed, discarded), and any failure is the close's. */
    void closed(Object owner) throws IOException {
        Registration registration = open.remove(owner);
        if (registration == null) {
            return;
        }
        try {
            registration.exit().leave(true);
        } finally {
            registration.cleanable().clean();
        }
    }

    /**
     * Whether {@code owner}'s open is to be tried again after {@code failure}: its temp file is
     * one the open makes, which failed when another JVM removed the staging directory, and it is
     * made now.
     */
    boolean madeAgainFor(Object owner, Throwable failure) {
        if (!(failure instanceof FileNotFoundException)) {
            return false;
        }
        Registration registration = open.get(owner);
        return registration != null && registration.staged().madeAgain();
    }

    /**
     * The owner's open failed with {@code failure}: its temp file goes. Returns the failure as
     * the tool is to see it: the JDK's message for a failed open names the file opened, which
     * for a staged open is the temp file, and the tool named its target.
     */
    Throwable failed(Object owner, Throwable failure) {
        Registration registration = open.remove(owner);
        if (registration == null) {
            return failure;
        }
        registration.exit().abandon();
        registration.cleanable().clean();
        String temp = registration.staged().temp().toString();
        String message = failure.getMessage();
        if (failure instanceof FileNotFoundException && message != null && message.startsWith(temp)) {
            return new FileNotFoundException(registration.staged().target() + message.substring(temp.length()));
        }
        return failure;
    }

    /** At exit, a staged write still open is published, as the JVM's exit closes its files. */
    private void publishAtExit(StagedFile staged) {
        try {
            Guard.run(() -> {
                staged.publish(false);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            AgentLog.warn("could not publish " + staged.target() + ": " + e);
        } finally {
            unsettled.remove(staged);
        }
    }

    private void publishAll() {
        for (StagedFile staged : List.copyOf(unsettled)) {
            publishAtExit(staged);
        }
    }
}
