package dev.dxfs.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * A command run as a shell runs a job: in a process group of its own (the group's id is the
 * command's pid), so that a signal sent to the group reaches the command and every process it
 * started that stayed in it; in the terminal's foreground while it runs, when dxfs has it; and
 * stopped along with dxfs when it is stopped (Ctrl-Z), continued when dxfs is.
 */
final class Job {
    private static final int POLL_MILLIS = 10;

    private final int pid;
    private final ControllingTerminal terminal;

    private Job(int pid, ControllingTerminal terminal) {
        this.pid = pid;
        this.terminal = terminal;
    }

    /** A command that could not be started, with the status and cause a shell gives for it. */
    static final class NotStarted extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        NotStarted(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * Starts {@code command} (looked up in PATH unless it has a slash) with this process's
     * descriptors 0 to 2, environment and directory, and an empty signal mask.
     */
    static Job start(List<String> command) throws NotStarted {
        Pointer attr = Memory.allocateDirect(JobCalls.RUNTIME, JobCalls.SPAWN_ATTR_SIZE);
        Pointer actions = Memory.allocateDirect(JobCalls.RUNTIME, JobCalls.SPAWN_FILE_ACTIONS_SIZE);
        Pointer noSignals = Memory.allocateDirect(JobCalls.RUNTIME, JobCalls.SIGSET_SIZE);
        JobCalls.C.posix_spawnattr_init(attr);
        JobCalls.C.posix_spawn_file_actions_init(actions);
        try {
            JobCalls.C.sigemptyset(noSignals);
            JobCalls.C.posix_spawnattr_setsigmask(attr, noSignals);
            JobCalls.C.posix_spawnattr_setpgroup(attr, 0);
            JobCalls.C.posix_spawnattr_setflags(attr, (short) (JobCalls.POSIX_SPAWN_SETPGROUP | JobCalls.POSIX_SPAWN_SETSIGMASK));
            // The JVM's own descriptors (its jar, its sockets) are not the command's to keep, as
            // with ProcessBuilder: a command that leaves a daemon behind would hold them open.
            for (int fd : inheritedBeyondStandard()) {
                JobCalls.C.posix_spawn_file_actions_addclose(actions, fd);
            }
            String[] argv = command.toArray(new String[command.size() + 1]);
            String[] envp = Stream.concat(System.getenv().entrySet().stream().map(Map.Entry::toString), Stream.of((String) null))
                    .toArray(String[]::new);
            ControllingTerminal terminal = ControllingTerminal.ofStandardInput();
            IntByReference pid = new IntByReference();
            int error = JobCalls.C.posix_spawnp(pid, command.get(0), actions, attr, argv, envp);
            if (error != 0) {
                throw notStarted(command.get(0), error);
            }
            if (terminal != null && terminal.isForeground()) {
                terminal.giveTo(pid.intValue());
            }
            return new Job(pid.intValue(), terminal);
        } finally {
            JobCalls.C.posix_spawn_file_actions_destroy(actions);
            JobCalls.C.posix_spawnattr_destroy(attr);
        }
    }

    /**
     * As a shell says it, and with its status: 127 for a command not found (a name looked up in
     * PATH, or a path to nothing), 126 for one it cannot run.
     */
    private static NotStarted notStarted(String name, int error) {
        final int enoent = 2;
        if (error != enoent) {
            return new NotStarted(126, name + ": " + JobCalls.C.strerror(error));
        }
        return new NotStarted(127, name + ": " + (name.contains("/") ? JobCalls.C.strerror(error) : "command not found"));
    }

    private static int[] inheritedBeyondStandard() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.mapToInt(fd -> Integer.parseInt(fd.getFileName().toString())).filter(fd -> fd > 2).toArray();
        } catch (IOException e) {
            return new int[0];
        }
    }

    /** Sends {@code signal} to every process in the job's group. */
    void signal(int signal) {
        JobCalls.C.kill(-pid, signal);
    }

    /**
     * Whether no process of the group runs any more. Zombies are not counted: they run nothing,
     * and the first process of some containers never reaps the orphans it inherits.
     */
    boolean isEmpty() {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.noneMatch(this::runsInGroup);
        } catch (IOException e) {
            return JobCalls.C.kill(-pid, 0) != 0;
        }
    }

    private boolean runsInGroup(Path process) {
        if (!Character.isDigit(process.getFileName().toString().charAt(0))) {
            return false;
        }
        try {
            String stat = Files.readString(process.resolve("stat"));
            // "pid (name) state ppid pgrp ...": the name may hold spaces and parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(fields[2]) == pid && !fields[0].equals("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * Waits until the command ends and answers its status as a shell reports it: its exit status,
     * or 128+N when signal N killed it. Stopped, it stops dxfs with the same signal, so that the
     * shell that runs dxfs sees its job stopped, and continues the command when dxfs is.
     */
    int waitFor() {
        IntByReference status = new IntByReference();
        while (true) {
            if (JobCalls.C.waitpid(pid, status, JobCalls.WUNTRACED) < 0) {
                if (JobCalls.errno() == JobCalls.EINTR) {
                    continue;
                }
                throw new IllegalStateException("waitpid " + pid + ": " + JobCalls.C.strerror(JobCalls.errno()));
            }
            int s = status.intValue();
            if ((s & 0xff) != 0x7f) {
                return ((s & 0x7f) == 0) ? (s >> 8) & 0xff : 128 + (s & 0x7f);
            }
            stopped((s >> 8) & 0xff);
        }
    }

    private void stopped(int signal) {
        boolean foreground = terminal != null && terminal.belongsTo(pid);
        // A command that touched the terminal before it was given the foreground: it has it now.
        if (!(foreground && (signal == JobCalls.SIGTTIN || signal == JobCalls.SIGTTOU))) {
            if (terminal != null) {
                terminal.takeBackFrom(pid);
            }
            // Raised on this thread, not sent to the process: the process is stopped before
            // this thread goes on, which would otherwise continue the command at once.
            JobCalls.C.raise(signal);
            // Continued: in the foreground again (fg), the command gets it back; in the
            // background (bg), the command goes on there too.
            if (terminal != null && terminal.isForeground()) {
                terminal.giveTo(pid);
            }
        }
        signal(JobCalls.SIGCONT);
    }

    /** Waits up to {@code millis} for every process of the group to end; false if some are left. */
    boolean awaitEmpty(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Gives the terminal back to dxfs's group, if the job has it. */
    void release() {
        if (terminal != null) {
            terminal.takeBackFrom(pid);
        }
    }
}
