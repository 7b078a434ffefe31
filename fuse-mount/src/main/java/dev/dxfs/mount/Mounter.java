package dev.dxfs.mount;

import dev.dxfs.policy.StagingArea;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Mounts and unmounts: starts the daemon in its own session and returns once the mount answers,
 * or fails with one line saying why, leaving nothing mounted.
 */
final class Mounter {
    private static final long READY_SECONDS = 60;
    private static final long ANSWER_POLL_MILLIS = 3;
    /** The first line of the answer file: the daemon's pid, written before the daemon starts. */
    private static final String PID = "pid ";
    /**
     * Run by {@code setsid --fork}: the daemon is not our child (the JVM's exit waits up to 300 ms
     * for threads in native code, and a child's reaper thread waits in waitpid for as long as the
     * child lives), so it says its pid itself; exec keeps the pid. (A shell's background job
     * would do without the fork, but starts with SIGINT ignored, and the daemon would then
     * ignore it too.)
     */
    private static final String STARTER = "echo \"" + PID + "$$\"; exec \"$@\"";
    private static final long EXIT_SECONDS = 15;
    /** What the JDK decodes a byte that is not valid UTF-8 in an argument to. */
    private static final char UNDECODABLE = '\uFFFD';

    private Mounter() {}

    static Path mount(String directory, MountOptions options) throws CliException {
        Path dir = DirectoryArgument.resolve(directory);
        checkArguments(dir, options);
        try (MountLock lock = MountLock.take(dir)) {
            String recovered = clearWay(dir);
            startDaemon(dir, options);
            if (recovered != null) {
                System.err.println(recovered);
            }
        }
        return dir;
    }

    /**
     * Everything {@link #mount} checks and clears before it starts the daemon, for a daemon run in
     * the foreground: returns the mount lock of {@code dir}, for the caller to release once its
     * mount is live (or has failed).
     */
    static MountLock prepare(Path dir, MountOptions options) throws CliException {
        checkArguments(dir, options);
        MountLock lock = MountLock.take(dir);
        try {
            String recovered = clearWay(dir);
            if (recovered != null) {
                System.err.println(recovered);
            }
            return lock;
        } catch (CliException e) {
            lock.close();
            throw e;
        }
    }

    /** The checks that need no look at the directory. */
    private static void checkArguments(Path dir, MountOptions options) throws CliException {
        if (dir.getParent() == null) {
            // Nothing could even see such a mount: path walks start below it.
            throw new CliException("refusing to mount over " + dir + ": name the build output directory");
        }
        if (StagingArea.indexOf(dir.getFileName().toString()) >= 0) {
            throw new CliException("refusing to mount over " + dir + ": dxfs keeps the name " + dir.getFileName()
                    + " for its staging directories: mount " + dir.getParent() + " itself");
        }
        options.filter();
        options.transport();
        DaemonLog.cap(options.logMaxSize);
    }

    /**
     * Fails unless a mount can go at {@code dir} now, under its mount lock: nothing of dxfs's
     * live there, a directory this user may read. A stale mount is detached; the line that tells
     * of it is returned, to be printed once the new mount is there (null when there was none).
     */
    private static String clearWay(Path dir) throws CliException {
        MountTable.Inspection found = MountTable.inspect(dir);
        String recovered = switch (found.state()) {
            case LIVE -> throw new CliException(dir + " is already a dxfs mount" + (found.cause() == null
                    ? ": dxfs status " + dir + " shows it, dxfs unmount " + dir + " unmounts it"
                    : " (" + found.cause() + "; dxfs unmount --force " + dir + " detaches it)"));
            case STALE -> recoverStale(dir, found.cause());
            default -> null;
        };
        checkDirectory(dir);
        Preflight.check();
        return recovered;
    }

    private static void checkDirectory(Path dir) throws CliException {
        String filesystem = MountTable.filesystemOf(dir);
        if (MountTable.isKernelInterface(filesystem)) {
            throw new CliException("refusing to mount over " + dir + ": it is on " + filesystem + ", the kernel's view "
                    + "of itself, where no tool writes files: name a build output directory");
        }
        if (!Files.exists(dir) && dir.toString().indexOf(UNDECODABLE) >= 0) {
            throw new CliException(dir + ": the name is not valid UTF-8 (\uFFFD marks the bytes that are "
                    + "not): dxfs takes UTF-8 paths only");
        }
        if (!Files.exists(dir)) {
            throw new CliException(dir + " does not exist: create the directory first (mkdir -p)");
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException(dir + " is not a directory");
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new CliException(dir + " is not readable and searchable by this user");
        }
    }

    /**
     * Detaches a stale mount (lazily: processes may still hold files or work inside it, and
     * their calls keep failing there) so that the new mount goes in its place; returns the line
     * to print once it has.
     */
    private static String recoverStale(Path dir, String cause) throws CliException {
        fusermount(dir, true);
        return "dxfs: recovered a stale mount of " + dir + ": " + cause;
    }

    /**
     * Mounts over {@code directory} in this JVM, which the launcher started in a session of its
     * own ({@link OwnSession}), and serves the mount until it is unmounted: the checks, the lock
     * and the daemon of {@link #mount} and {@link #startDaemon}, without a second JVM.
     * {@code announce} is told the mount point once the mount is live; then the lock is released,
     * the caller let go, and the class-data archive made if it is missing. A caller that is gone
     * by then was interrupted (Ctrl-C reaches the launcher, not this JVM in its own session): the
     * mount it no longer waits for is undone, as it would not have been made had it stopped first.
     */
    static void serve(String directory, MountOptions options, Consumer<Path> announce) throws CliException {
        Path dir = DirectoryArgument.resolve(directory);
        MountLock lock = prepare(dir, options);
        try {
            Path log = RuntimePaths.logFor(dir);
            Path stderr = logFiles(log);
            DaemonLog.toFile(log, DaemonLog.cap(options.logMaxSize));
            DaemonLog.debug(options.debug);
            ClassDataArchive archive = ClassDataArchive.named(ownJar());
            Runnable onLive = () -> {
                announce.accept(dir);
                lock.close();
                boolean heard;
                try {
                    heard = OwnSession.detach(stderr);
                } catch (IOException e) {
                    LoggerFactory.getLogger(Mounter.class).warn("the caller's output stays open: {}", e.getMessage());
                    heard = OwnSession.answer(0);
                }
                if (!heard) {
                    LoggerFactory.getLogger(Mounter.class).info("dxfs mount was interrupted before {} was live: unmounting", dir);
                    // The shutdown hook unmounts, as for SIGTERM.
                    System.exit(1);
                }
                if (archive != null) {
                    archive.refreshInBackground();
                }
            };
            try {
                new Daemon(dir, options, log, new PrintStream(OutputStream.nullOutputStream()), onLive).run();
            } catch (CliException | IOException | RuntimeException e) {
                // What the command line says of a daemon that answered with an error.
                LoggerFactory.getLogger(Mounter.class).error("dxfs daemon: {}", DaemonCommand.describe(e));
                throw new CliException("cannot mount " + dir + ": " + DaemonCommand.describe(e));
            }
        } finally {
            lock.close();
        }
    }

    /**
     * Makes the daemon's private log directory and the file beside the log that takes what the
     * JVM itself prints (a crash, an error before the log is set up): stderr cannot follow the log
     * file when it is rolled over. Returns that file.
     */
    private static Path logFiles(Path log) throws CliException {
        Path stderr = log.resolveSibling(log.getFileName() + ".stderr");
        try {
            // Private, as are the files in it.
            RuntimePaths.createPrivateDirectory(log.getParent());
            RuntimePaths.createPrivate(stderr);
            return stderr;
        } catch (IOException e) {
            throw cannotWriteLog(log, e);
        }
    }

    private static CliException cannotWriteLog(Path log, IOException e) {
        return new CliException("cannot write the daemon's log in " + log.getParent() + ": " + IoReason.of(e)
                + ": " + RuntimePaths.logFix());
    }

    private static void startDaemon(Path dir, MountOptions options) throws CliException {
        Path log = RuntimePaths.logFor(dir);
        Path jar = ownJar();
        ClassDataArchive archive = ClassDataArchive.named(jar);
        List<String> command = new ArrayList<>(List.of(
                // In a session of its own, not our child, answering into a file (see STARTER).
                "setsid", "--fork", "sh", "-c", STARTER, "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(DaemonJvmOptions.read());
        // A crash report goes beside the logs, named by the pid (which the log's "mounting over"
        // line gives), not into the caller's directory: named before anyone knows which mount
        // the launcher's JVM is for.
        command.add("-XX:ErrorFile=" + log.resolveSibling("daemon.crash-%p"));
        if (archive != null) {
            command.addAll(archive.jvmOptions());
        }
        command.addAll(List.of("-cp", jar.toString(), Main.class.getName(), "daemon", dir.toString()));
        command.addAll(options.asArguments());
        command.add("--log=" + log);
        Path stderr = logFiles(log);
        Path answers;
        try {
            try {
                answers = Files.createTempFile(log.getParent(), log.getFileName() + ".", ".answer");
            } catch (IOException e) {
                throw cannotWriteLog(log, e);
            }
            // The daemon works from the root directory, so it keeps no other directory busy.
            Process starter = new ProcessBuilder(command)
                    .directory(new File("/"))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(answers.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                    .start();
            if (starter.waitFor() != 0) {
                throw new CliException("cannot start the daemon: setsid failed (see " + stderr + ")");
            }
        } catch (IOException e) {
            throw new CliException("cannot start the daemon: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while starting the daemon");
        }
        long[] daemon = {-1};
        String answer;
        try {
            answer = awaitAnswer(answers, daemon);
        } finally {
            try {
                Files.deleteIfExists(answers);
            } catch (IOException ignored) {
                // A leftover answer file in the private runtime directory harms nothing.
            }
        }
        if (answer == null || !answer.equals(Daemon.READY)) {
            stop(daemon[0]);
            String reason = answer != null && answer.startsWith(Daemon.ERROR)
                    ? answer.substring(Daemon.ERROR.length())
                    : "the daemon exited before the mount was ready (see " + log + " and " + stderr + ")";
            throw new CliException("cannot mount " + dir + ": " + reason);
        }
        if (archive != null) {
            archive.refreshInBackground();
        }
    }

    /**
     * The line the daemon answers with ("ready" or "error: ..."), or null when it exits without
     * one; its pid goes to {@code daemon[0]}. The file is read every few milliseconds: the answer
     * comes within a second.
     */
    private static String awaitAnswer(Path answers, long[] daemon) throws CliException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
        while (true) {
            List<String> lines = completeLines(answers);
            if (!lines.isEmpty() && daemon[0] < 0) {
                if (!lines.get(0).startsWith(PID)) {
                    return lines.get(0);
                }
                daemon[0] = Long.parseLong(lines.get(0).substring(PID.length()));
            }
            if (lines.size() > 1) {
                return lines.get(1);
            }
            if (daemon[0] > 0 && ProcessHandle.of(daemon[0]).map(p -> !p.isAlive()).orElse(true)) {
                lines = completeLines(answers);
                return lines.size() > 1 ? lines.get(1) : null;
            }
            if (System.nanoTime() > deadline) {
                // Stopped as by SIGTERM: it unmounts what it may have mounted.
                stop(daemon[0]);
                throw new CliException("the daemon did not become ready within " + READY_SECONDS + " s");
            }
            try {
                Thread.sleep(ANSWER_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted while waiting for the daemon");
            }
        }
    }

    /** The whole lines of {@code file} (a line being written is left out). */
    private static List<String> completeLines(Path file) throws CliException {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            return content.lines().limit(content.chars().filter(c -> c == '\n').count()).toList();
        } catch (IOException e) {
            throw new CliException("cannot read the daemon's answer: " + e.getMessage());
        }
    }

    private static void stop(long daemon) {
        if (daemon > 0) {
            ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroy);
        }
    }

    private static Path ownJar() throws CliException {
        try {
            return Path.of(Mounter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new CliException("cannot locate the dxfs jar: " + e.getMessage());
        }
    }

    /**
     * Unmounts {@code directory} and waits until its daemon has exited. A forced unmount of a live
     * mount stops the daemon as SIGTERM does: it detaches the mount at once, gives open files 2 s
     * to be closed (and published), then discards the writes still open: a writer that has not
     * closed has not finished, and a half-written file must never be published.
     */
    static void unmount(String directory, boolean force) throws CliException {
        Path dir = DirectoryArgument.resolve(directory);
        MountTable.Inspection found = MountTable.inspect(dir);
        MountTable.State state = found.state();
        switch (state) {
            case NONE -> throw new CliException(dir + " is not mounted");
            case OTHER -> throw new CliException(dir + " is not a dxfs mount (it is "
                    + MountTable.topmostType(dir) + ")");
            default -> {}
        }
        int owner = MountTable.ownerOf(dir);
        int self = EffectiveUser.id();
        if (owner >= 0 && owner != self && self != 0) {
            throw new CliException(dir + " is mounted by " + UserName.describe(owner) + ": only that user or root "
                    + "may unmount it (sudo dxfs unmount " + dir + ")");
        }
        long pid = state == MountTable.State.LIVE ? ControlClient.daemonPid(dir) : -1;
        ProcessHandle daemon = pid > 0 ? ProcessHandle.of(pid).orElse(null) : null;
        if (!(force && daemon != null && daemon.destroy())) {
            fusermount(dir, force || state == MountTable.State.STALE);
        }
        if (state == MountTable.State.STALE) {
            DaemonPid.clearLeftovers(dir);
            removeEmptyStaging(dir);
            System.err.println("dxfs: cleared a stale mount of " + dir + ": " + found.cause());
        }
        if (daemon != null) {
            awaitExit(daemon);
        }
    }

    /**
     * Removes the staging directory a killed daemon left in {@code dir}, now uncovered, if it is
     * empty (its temp files had no name): only a directory at a staging name that dxfs made as
     * this user ({@link StagingArea#isOwn}); anything else there is a user's and stays. One that
     * holds something stays, for the next mount's sweep or for the JVM with the agent that uses it.
     */
    private static void removeEmptyStaging(Path dir) {
        int uid = EffectiveUser.id();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.toList()) {
                if (StagingArea.indexOf(entry.getFileName().toString()) < 0) {
                    continue;
                }
                Map<String, Object> found = Files.readAttributes(entry, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
                if (StagingArea.isOwn((Integer) found.get("mode"), (Integer) found.get("uid"), uid)) {
                    Files.deleteIfExists(entry);
                }
            }
        } catch (IOException | RuntimeException notEmptyOrGone) {
            // Left as it is.
        }
    }

    private static void awaitExit(ProcessHandle process) {
        try {
            process.onExit().get(EXIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("dxfs: the daemon (pid " + process.pid() + ") is still cleaning up");
        }
    }

    private static void fusermount(Path dir, boolean lazy) throws CliException {
        List<String> command = new ArrayList<>(List.of("fusermount", lazy ? "-uz" : "-u", dir.toString()));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor() != 0) {
                if (output.contains("busy")) {
                    List<Path> inside = MountTable.mountsBelow(dir);
                    if (!inside.isEmpty()) {
                        throw new CliException(dir + " is busy: " + inside.get(0) + " is mounted inside it"
                                + (inside.size() > 1 ? " (and " + (inside.size() - 1) + " more)" : "")
                                + ": unmount that first (dxfs unmount or umount " + inside.get(0) + ")");
                    }
                    throw new CliException(dir + " is busy (a file is open or a process works inside it): "
                            + "close it, or detach now, discarding the writes still open, with: dxfs unmount --force "
                            + dir);
                }
                throw new CliException("cannot unmount " + dir + ": " + output);
            }
        } catch (IOException e) {
            throw new CliException("cannot run fusermount: " + e.getMessage() + " (apt-get install fuse)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while unmounting " + dir);
        }
    }
}
