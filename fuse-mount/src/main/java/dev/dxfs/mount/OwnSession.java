package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import dev.dxfs.fuse.Names;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@code dxfs mount} that the launcher started in a session of its own, to become the mount's
 * daemon: one JVM where there were two, the command line's and the daemon's (see "Start-up" in
 * docs/design.md). Its standard error is the caller's until the mount is live; its standard
 * output is a pipe the launcher relays line by line to the caller's, holding back the last line,
 * which says the command's exit status ({@code exit N}): the launcher exits with it, and no
 * sooner, while this JVM serves on with both moved to the file beside the log.
 */
final class OwnSession {
    /** The property the launcher starts such a JVM with. */
    private static final String PROPERTY = "dxfs.own-session";
    private static final String EXIT = "exit ";
    private static final int STDOUT = 1;
    private static final int STDERR = 2;

    private static boolean answered;

    private OwnSession() {}

    static boolean isOn() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * Tells the launcher the exit status, once: the first answer is the command's. Returns false
     * when the launcher is gone (the pipe to it broke, at this answer or at a line before it).
     */
    static synchronized boolean answer(int status) {
        if (isOn() && !answered) {
            answered = true;
            System.out.println(EXIT + status);
            return !System.out.checkError();
        }
        return true;
    }

    /**
     * Answers 0 and lets go of the caller's standard error and of the launcher's pipe: the
     * caller, and whatever reads its output to the end, is not kept waiting by a process that
     * lives as long as the mount. What the JVM itself prints from then on (a crash's summary)
     * goes to {@code file}, beside the log. Returns whether the launcher took the answer.
     */
    static boolean detach(Path file) throws IOException {
        System.out.flush();
        System.err.flush();
        int fd = Libc.C.open(Names.bytes(file.toString()), Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open " + file + " (errno " + Libc.RUNTIME.getLastError() + ")");
        }
        try {
            Libc.C.dup2(fd, STDERR);
            boolean heard = answer(0);
            Libc.C.dup2(fd, STDOUT);
            return heard;
        } finally {
            Libc.C.close(fd);
        }
    }
}
