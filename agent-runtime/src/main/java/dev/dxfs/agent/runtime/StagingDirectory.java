package dev.dxfs.agent.runtime;

import dev.dxfs.policy.StagingArea;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The agent's staging directory in one host directory, shared by every JVM with the agent that
 * stages there. Each JVM makes it when it needs it and removes it when its last staged write
 * there is settled, if it is empty: so another JVM may remove it at any moment this one holds no
 * temp file in it, and make it again. A temp file is therefore made by trying: when the
 * directory is gone it is made again and the temp file tried again; once the temp file exists
 * the directory cannot be removed until the temp file is published or removed.
 */
final class StagingDirectory {
    /**
     * The sticky bit marks a staging directory the agent made (the daemon makes its own 0700):
     * an empty one is removed when a JVM is done with it, never a user's own or the daemon's.
     * On a directory only its owner may enter it changes nothing else.
     */
    static final int AGENT_MADE = 01000;
    private static final int MODE = 0700 | AGENT_MADE;
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    /**
     * How often a temp file is tried. Each failed try means another JVM removed the directory in
     * the microseconds between its making and the temp file's, after settling a write of its own
     * there: a hundred in a row do not happen while that JVM does anything else.
     */
    static final int ATTEMPTS = 100;

    private final Path path;
    private final StagingArea area;
    /** This JVM's staged writes that hold a temp file here; guarded by this. */
    private int users;
    /** Whether this JVM swept here; guarded by this. */
    private boolean swept;
    /** Whether this JVM's last release removed the directory, so the next temp file is made after it; guarded by this. */
    private boolean removed;
    /**
     * Whether the directory there is the one this JVM made, since its last release. Then its
     * mode is known without a stat: it is the agent's (so this JVM's release removes it without
     * asking first), and not setgid (so a temp file made in it has this process's group). It can
     * have been replaced only while empty, in the moment between a rename of this JVM's last
     * temp file and its release, by a JVM that removed it and someone who made another: the
     * same moment as between a stat of the mode and the removal it allows.
     */
    private volatile boolean ours;

    StagingDirectory(Path host, StagingArea area) {
        this.path = host.resolve(StagingArea.DIRECTORY);
        this.area = area;
    }

    /**
     * A new temp file here, mode 0600, for a staged write of this JVM's, which {@link #release}s it
     * when settled. The first of this JVM's writes here sweeps what killed writers left: once,
     * not each time this JVM's writes here begin again (a listing per write, for a tool that
     * writes one file at a time); what a writer killed later leaves is the next JVM's to sweep.
     *
     * @param openMakesIt whether the writer's own open may make the file (with {@code O_CREAT}
     *     and without {@code O_EXCL}): then only its name is chosen, if this JVM made the
     *     directory, private to its user, so that nobody else can have put a file or a symlink
     *     at that name. Another JVM may still remove the directory, empty, before that open: the
     *     open then fails, and {@link #makeAgain} makes the file for another try.
     */
    Path newTemp(boolean openMakesIt) throws IOException {
        boolean makeFirst;
        synchronized (this) {
            users++;
            if (!swept) {
                swept = true;
                sweep(path, area);
            }
            makeFirst = removed;
            removed = false;
        }
        try {
            if (makeFirst) {
                // A tool writing one file at a time: not a create that fails first, each time.
                make();
            }
            if (openMakesIt && ours) {
                return path.resolve(area.nextTempName());
            }
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                try {
                    return Files.createFile(path.resolve(area.nextTempName()), PRIVATE);
                } catch (NoSuchFileException gone) {
                    make();
                }
            }
            throw new IOException(path + ": other JVMs removed it " + ATTEMPTS
                    + " times in a row while a temp file was made in it");
        } catch (IOException | RuntimeException e) {
            release();
            throw e;
        }
    }

    /**
     * Makes {@code temp}, whose writer's open failed, as {@link #newTemp} makes one (the directory
     * made again when it is gone): whether the open may try again on it. That open fails when
     * another JVM removed the directory, and a JVM may have made it again since, not private to
     * this one: so the file is made exclusively, as where this JVM did not make the directory.
     */
    boolean makeAgain(Path temp) throws IOException {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                Files.createFile(temp, PRIVATE);
                return true;
            } catch (NoSuchFileException gone) {
                make();
            } catch (FileAlreadyExistsException e) {
                // The open failed for another reason than the directory's going.
                return false;
            }
        }
        return false;
    }

    /** Makes the directory, unless another JVM made it first; a failure other than that is the caller's. */
    private void make() throws IOException {
        ours = false;
        try {
            Files.createDirectory(path, PRIVATE_DIRECTORY);
        } catch (FileAlreadyExistsException e) {
            return;
        }
        try {
            Files.setAttribute(path, "unix:mode", MODE);
            ours = true;
        } catch (NoSuchFileException e) {
            // Removed again at once, by a JVM that saw an earlier one's mode: the next try makes it again.
        }
    }

    /** Whether a temp file made here has the group of the process that made it (the directory is not setgid). */
    boolean tempsTakeTheirMakersGroup() {
        return ours;
    }

    /** Removes {@code temp}, unpublished, and {@link #release}s it. */
    void discard(Path temp) {
        try {
            Files.deleteIfExists(temp);
            AgentLog.debug("discarded " + temp + ", not published");
        } catch (IOException e) {
            AgentLog.warn("could not remove " + temp + ": " + e.getMessage());
        } finally {
            release();
        }
    }

    /** A staged write that held a temp file here is settled: the last one removes the directory, if it may. */
    synchronized void release() {
        if (--users == 0) {
            removed = ours ? removeIfEmpty(path) : removeIfAgentMadeAndEmpty(path);
            ours = false;
        }
    }

    /**
     * At a JVM's start: the temp files of writers killed before they published are removed, and
     * the staging directory too if it is the agent's and nothing else is left in it.
     */
    static void sweepAtStart(Path staging, StagingArea area) {
        if (Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS)) {
            sweep(staging, area);
            removeIfAgentMadeAndEmpty(staging);
        }
    }

    /** Whether this removed it. */
    private static boolean removeIfAgentMadeAndEmpty(Path staging) {
        try {
            if (((Integer) Files.getAttribute(staging, "unix:mode", LinkOption.NOFOLLOW_LINKS) & AGENT_MADE) == 0) {
                return false;
            }
        } catch (NoSuchFileException e) {
            // Another JVM was done first.
            return false;
        } catch (IOException e) {
            AgentLog.debug("could not remove " + staging + ": " + e);
            return false;
        }
        return removeIfEmpty(staging);
    }

    /** Whether this removed it: a staging directory of the agent's, empty. */
    private static boolean removeIfEmpty(Path staging) {
        try {
            Files.delete(staging);
            return true;
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // Another JVM still writes there, or was done first.
        } catch (IOException e) {
            AgentLog.debug("could not remove " + staging + ": " + e);
        }
        return false;
    }

    /**
     * Removes the temp files that JVMs which are gone left behind (killed before they could
     * publish). A directory that is not there, or goes meanwhile, holds none.
     */
    private static void sweep(Path staging, StagingArea area) {
        try (Stream<Path> entries = Files.list(staging)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                long creator = StagingArea.creatorOf(name);
                // /proc rather than ProcessHandle, which starts the JDK's process machinery.
                if (area.isLeftoverOfOwner(name) && creator > 0 && !Files.exists(Path.of("/proc/" + creator))) {
                    Files.deleteIfExists(entry);
                    AgentLog.debug("removed " + entry + ", left by process " + creator);
                }
            }
        } catch (NoSuchFileException e) {
            // Nothing to sweep.
        } catch (IOException | UncheckedIOException e) {
            AgentLog.debug("could not sweep " + staging + ": " + e);
        }
    }
}
