package dev.dxfs.fs;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The start of a small file of /proc, read with plain system calls into buffers of the calling
 * thread's own. The kernel writes such a file anew at each read; Java's file API around that read
 * cost the daemon more than the read itself (a channel, a buffer and a cleaner per read), and
 * a staged write reads one at its open and another at its close.
 */
final class ProcFile {
    /** Enough for what is read here: the first lines of a status, a whole stat or statm. */
    private static final int SIZE = 4096;
    private static final ThreadLocal<ProcFile> OWN = ThreadLocal.withInitial(ProcFile::new);

    private final Pointer buffer = Memory.allocateDirect(Libc.RUNTIME, SIZE);
    private final byte[] bytes = new byte[SIZE];
    private int length;

    private ProcFile() {}

    /** The calling thread's reader holding the start of {@code path}, or null when it cannot be read. */
    static ProcFile read(String path) {
        int fd = Libc.C.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            return null;
        }
        ProcFile file = OWN.get();
        try {
            // One read: the kernel makes a file of a process's in one piece and hands out all of it
            // that fits (seq_file), so a read that leaves room has reached the end; a second read
            // only to be told so cost a system call per staged open and close.
            long count = Libc.C.read(fd, file.buffer, SIZE);
            if (count < 0) {
                return null;
            }
            int length = (int) count;
            file.buffer.get(0, file.bytes, 0, length);
            file.length = length;
            return file;
        } finally {
            Libc.C.close(fd);
        }
    }

    /** The number the file starts with, or -1. */
    long leadingNumber() {
        return number(0);
    }

    /** The number that follows {@code key} (with its colon) at the start of a line, or -1. */
    long lineValue(String key) {
        for (int line = 0; line < length; line = next(line, '\n') + 1) {
            if (startsWith(line, key)) {
                int at = line + key.length();
                while (at < length && (bytes[at] == ' ' || bytes[at] == '\t')) {
                    at++;
                }
                return number(at);
            }
        }
        return -1;
    }

    /**
     * Field {@code field} (numbered from 1, as in proc(5)) of a stat file: counted from the
     * first field after the command's name, which may itself hold spaces and parentheses.
     */
    long statField(int field, int firstAfterName) {
        int at = -1;
        for (int i = length - 1; i >= 0; i--) {
            if (bytes[i] == ')') {
                at = i + 2;
                break;
            }
        }
        if (at < 0) {
            return -1;
        }
        for (int f = firstAfterName; f < field && at < length; f++) {
            at = next(at, ' ') + 1;
        }
        return number(at);
    }

    private boolean startsWith(int at, String key) {
        if (at + key.length() > length) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            if (bytes[at + i] != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int next(int from, char c) {
        int at = from;
        while (at < length && bytes[at] != c) {
            at++;
        }
        return at;
    }

    /** The decimal number at {@code at} (a minus sign allowed), or -1 when there is none. */
    private long number(int at) {
        boolean negative = at < length && bytes[at] == '-';
        int i = negative ? at + 1 : at;
        long value = 0;
        int start = i;
        while (i < length && bytes[i] >= '0' && bytes[i] <= '9') {
            value = value * 10 + (bytes[i] - '0');
            i++;
        }
        if (i == start) {
            return -1;
        }
        return negative ? -value : value;
    }
}
