package dev.dxfs.mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The user this process acts as, read from /proc rather than asked of libc: loading the native
 * binding costs a command line more start-up time than the rest of {@code dxfs mount}'s checks
 * (see "Start-up" in docs/design.md).
 */
final class EffectiveUser {
    private static final String UID_LINE = "Uid:";

    private EffectiveUser() {}

    /** The effective uid: the second of the four ids on the Uid line of /proc/self/status. */
    static int id() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(UID_LINE)) {
                    return Integer.parseInt(line.substring(UID_LINE.length()).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("/proc/self/status has no " + UID_LINE + " line");
    }
}
