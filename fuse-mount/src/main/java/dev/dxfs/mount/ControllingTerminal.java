package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The terminal dxfs runs in, when it runs in the terminal's foreground: a command in a process
 * group of its own is given the foreground while it runs, as a shell gives it to a job, so that
 * it can read the terminal and set its modes, and a Ctrl-C or Ctrl-Z at the terminal reaches it
 * (and only it) once.
 */
final class ControllingTerminal implements AutoCloseable {
    private final int fd;
    private final int ownGroup = JobCalls.C.getpgrp();

    private ControllingTerminal(int fd) {
        this.fd = fd;
    }

    /** The controlling terminal, or null when there is none or another group has its foreground. */
    static ControllingTerminal ifForeground() {
        int fd = Libc.C.open("/dev/tty", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            return null;
        }
        ControllingTerminal terminal = new ControllingTerminal(fd);
        if (!terminal.isForeground()) {
            terminal.close();
            return null;
        }
        return terminal;
    }

    boolean isForeground() {
        return JobCalls.C.tcgetpgrp(fd) == ownGroup;
    }

    boolean belongsTo(int group) {
        return JobCalls.C.tcgetpgrp(fd) == group;
    }

    void giveTo(int group) {
        setForeground(group);
    }

    /** Takes the foreground back from {@code group}, unless someone gave it elsewhere since. */
    void takeBackFrom(int group) {
        if (belongsTo(group)) {
            setForeground(ownGroup);
        }
    }

    /**
     * Once the foreground is another group's, dxfs is in the background, where changing it would
     * stop dxfs with SIGTTOU: blocked, the signal is not sent and the change is made.
     */
    private void setForeground(int group) {
        Pointer ttou = Memory.allocateDirect(JobCalls.RUNTIME, JobCalls.SIGSET_SIZE);
        Pointer old = Memory.allocateDirect(JobCalls.RUNTIME, JobCalls.SIGSET_SIZE);
        JobCalls.C.sigemptyset(ttou);
        JobCalls.C.sigaddset(ttou, JobCalls.SIGTTOU);
        JobCalls.C.pthread_sigmask(JobCalls.SIG_BLOCK, ttou, old);
        try {
            JobCalls.C.tcsetpgrp(fd, group);
        } finally {
            JobCalls.C.pthread_sigmask(JobCalls.SIG_SETMASK, old, null);
        }
    }

    @Override
    public void close() {
        Libc.C.close(fd);
    }
}
