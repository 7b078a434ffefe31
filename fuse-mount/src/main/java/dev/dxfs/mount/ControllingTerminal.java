package dev.dxfs.mount;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The terminal dxfs runs in: while dxfs has its foreground, a command in a process group of its
 * own is given the foreground, as a shell gives it to a job, so that it can read the terminal
 * and set its modes, and a Ctrl-C or Ctrl-Z at the terminal reaches it (and only it) once.
 */
final class ControllingTerminal {
    private static final int STDIN = 0;

    private final int ownGroup = JobCalls.C.getpgrp();

    private ControllingTerminal() {}

    /**
     * The controlling terminal when it is dxfs's standard input, else null. dxfs may be in the
     * background at first and brought to the foreground later (fg). A command started in the
     * background by a script without job control has /dev/null as its standard input: it never
     * takes the foreground from the script.
     */
    static ControllingTerminal ofStandardInput() {
        return JobCalls.C.tcgetpgrp(STDIN) < 0 ? null : new ControllingTerminal();
    }

    boolean isForeground() {
        return JobCalls.C.tcgetpgrp(STDIN) == ownGroup;
    }

    boolean belongsTo(int group) {
        return JobCalls.C.tcgetpgrp(STDIN) == group;
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
            JobCalls.C.tcsetpgrp(STDIN, group);
        } finally {
            JobCalls.C.pthread_sigmask(JobCalls.SIG_SETMASK, old, null);
        }
    }
}
