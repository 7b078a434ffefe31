package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's umask, which Java does not expose: Linux reports it in /proc/self/status. */
final class ProcessUmask {
    private static final String FIELD = "Umask:";
    private static final int USUAL = 022;

    private ProcessUmask() {}

    static int read() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(FIELD)) {
                return Integer.parseInt(line.substring(FIELD.length()).trim(), 8);
            }
        }
        return USUAL;
    }
}
