package dev.dxfs.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Linux: descriptors are reached through /proc/self/fd, threads' processes in /proc/TID/status. */
final class Linux implements Platform {
    static final Linux INSTANCE = new Linux();
    private static final String TGID = "Tgid:";

    private Linux() {}

    @Override
    public String pathOf(int fd) {
        return "/proc/self/fd/" + fd;
    }

    /** FUSE reports the calling thread; handles belong to processes. */
    @Override
    public int processOf(int tid) {
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
