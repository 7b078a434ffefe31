package dev.dxfs.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who is calling. FUSE reports the calling thread's id; handles belong to processes, so a
 * thread id is mapped to its process (thread group) through /proc. Only calls on paths that have
 * staged writers need this.
 */
final class Callers {
    private static final String TGID = "Tgid:";

    /** The process id of thread {@code tid}, or -1 when it is gone. */
    int tgidOf(int tid) {
        try {
            String status = new String(Files.readAllBytes(Path.of("/proc/" + tid + "/status")),
                    StandardCharsets.ISO_8859_1);
            int at = status.indexOf(TGID);
            if (at < 0) {
                return -1;
            }
            int end = status.indexOf('\n', at);
            return Integer.parseInt(status.substring(at + TGID.length(), end).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
