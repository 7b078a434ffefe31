package dev.dxfs.agent.runtime;

import dev.dxfs.policy.Commit;
import dev.dxfs.policy.OpenFlags;
import dev.dxfs.policy.StagingArea;
import dev.dxfs.policy.StagingPolicy;
import dev.dxfs.policy.WriteKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The policy applied inside one JVM: which opens are staged, where their temp files go, and the
 * registry of staged writes still open, by the stream or channel that owns each. A write is
 * published when its owner is closed, when the owner is collected without a close, or at JVM
 * exit, whichever comes first.
 */
final class Stager {
    private static final int PERMISSION_BITS = 07777;
    private static final int PRIVATE = 0600;

    private final AgentSettings settings;
    private final StagingPolicy policy;
    private final StagingArea area;
    private final boolean privileged;
    private final int umask;
    private final Map<Object, Registration> open = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<StagedFile> unsettled = ConcurrentHashMap.newKeySet();
    private final Map<Path, Path> stagingDirs = new ConcurrentHashMap<>();
    private final Cleaner cleaner = Cleaner.create();

    private record Registration(StagedFile staged, Cleaner.Cleanable cleanable) {}

    Stager(AgentSettings settings) throws IOException {
        this.settings = settings;
        this.policy = new StagingPolicy(settings.filter());
        ProcessStatus process = ProcessStatus.read();
        this.area = new StagingArea("agent", process.pid());
        this.privileged = process.privileged();
        this.umask = process.umask();
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
     * roots or the filter, an append or a read, or an open that fails natively anyway.
     */
    StagedFile stage(Path target, int flags) throws IOException {
        if (target.getFileSystem() != FileSystems.getDefault()) {
            return null;
        }
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(absolute)) {
            // A write through a symlink writes the file it points to; the link stays a link.
            absolute = absolute.toRealPath();
        }
        Path root = rootOf(absolute);
        if (root == null) {
            return null;
        }
        boolean exists = Files.exists(absolute, LinkOption.NOFOLLOW_LINKS);
        WriteKind kind = policy.classify(root.relativize(absolute).toString(), flags, exists);
        if (!kind.staged() || exists && (OpenFlags.exclusive(flags) || !Files.isRegularFile(absolute))
                || !exists && (flags & OpenFlags.O_CREAT) == 0 || !Files.isDirectory(absolute.getParent())) {
            return null;
        }
        Path temp = stagingDir(root, absolute.getParent()).resolve(area.nextTempName());
        Files.createFile(temp);
        Map<String, Object> made = Files.readAttributes(temp, "unix:mode,uid,gid");
        Commit.Attributes created = new Commit.Attributes((Integer) made.get("mode") & PERMISSION_BITS,
                (Integer) made.get("uid"), (Integer) made.get("gid"));
        Files.setAttribute(temp, "unix:mode", PRIVATE);
        if (kind == WriteKind.EDIT) {
            copyContent(absolute, temp);
        }
        AgentLog.debug("staging " + absolute + " in " + temp);
        return new StagedFile(absolute, temp, created, settings.durable(), privileged);
    }

    /** The mode a file made by the JDK from {@code sourceMode} gets: the process's umask applies. */
    int masked(int sourceMode) {
        return sourceMode & PERMISSION_BITS & ~umask;
    }

    private Path rootOf(Path absolute) {
        for (Path root : settings.roots()) {
            if (absolute.startsWith(root) && !absolute.equals(root)) {
                return root;
            }
        }
        return null;
    }

    /** The staging directory on {@code dir}'s filesystem: at the root, or the top of another filesystem. */
    private Path stagingDir(Path root, Path dir) throws IOException {
        Path host = StagingArea.hostOf(dir, d -> d.equals(root) ? null : d.getParent(), Stager::device);
        Path known = stagingDirs.get(host);
        if (known != null) {
            return known;
        }
        Path staging = host.resolve(StagingArea.DIRECTORY);
        try {
            Files.createDirectory(staging);
            Files.setAttribute(staging, "unix:mode", 0700);
        } catch (FileAlreadyExistsException e) {
            // Made by another JVM or the daemon: shared.
            sweep(staging);
        }
        stagingDirs.put(host, staging);
        return staging;
    }

    /** Removes the temp files that JVMs which are gone left behind (killed before they could publish). */
    private void sweep(Path staging) throws IOException {
        try (Stream<Path> entries = Files.list(staging)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                long creator = StagingArea.creatorOf(name);
                if (area.isLeftoverOfOwner(name) && creator > 0 && ProcessHandle.of(creator).isEmpty()) {
                    Files.deleteIfExists(entry);
                    AgentLog.debug("removed " + entry + ", left by process " + creator);
                }
            }
        }
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

    /** {@code owner} (a stream or channel now writing the temp file) publishes it when done. */
    void register(Object owner, StagedFile staged) {
        unsettled.add(staged);
        Cleaner.Cleanable cleanable = cleaner.register(owner, () -> publishDropped(staged));
        open.put(owner, new Registration(staged, cleanable));
    }

    /** The owner was closed: its write is published now, and any failure is the close's. */
    void closed(Object owner) throws IOException {
        Registration registration = open.remove(owner);
        if (registration == null) {
            return;
        }
        try {
            registration.staged().publish();
        } finally {
            unsettled.remove(registration.staged());
            registration.cleanable().clean();
        }
    }

    /** The owner's open failed: its temp file goes. */
    void failed(Object owner) {
        Registration registration = open.remove(owner);
        if (registration != null) {
            registration.staged().discard();
            unsettled.remove(registration.staged());
            registration.cleanable().clean();
        }
    }

    /** An owner collected without a close still publishes what it wrote, as a close would. */
    private void publishDropped(StagedFile staged) {
        try {
            Guard.run(() -> {
                staged.publish();
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
            publishDropped(staged);
        }
    }
}
