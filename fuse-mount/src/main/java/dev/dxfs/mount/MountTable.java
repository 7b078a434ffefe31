package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import dev.dxfs.fuse.Names;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** What is mounted at a directory, read from /proc/self/mountinfo. */
final class MountTable {
    private static final int ENOTCONN = 107;
    static final String TYPE = "fuse.dxfs";

    /** The state of one mount point. */
    enum State {
        /** Nothing is mounted there. */
        NONE,
        /** A dxfs mount whose daemon answers. */
        LIVE,
        /** A dxfs mount whose daemon is gone: "Transport endpoint is not connected". */
        STALE,
        /** Some other filesystem is mounted there. */
        OTHER
    }

    private MountTable() {}

    static State stateOf(Path directory) throws CliException {
        String type = topmostType(directory);
        if (type == null) {
            return State.NONE;
        }
        if (!type.equals(TYPE)) {
            return State.OTHER;
        }
        Pointer stat = Memory.allocateDirect(Libc.RUNTIME, 256);
        boolean stale = Libc.C.stat(Names.bytes(directory.toString()), stat) < 0 && Libc.errno() == ENOTCONN;
        // The buffer is freed when collected, and the call alone does not keep it alive.
        Reference.reachabilityFence(stat);
        return stale ? State.STALE : State.LIVE;
    }

    /** The filesystem type mounted last at {@code directory}, or null. */
    static String topmostType(Path directory) throws CliException {
        List<String> lines;
        try {
            // Decoded as the JDK decodes file names, so that a mount point compares equal to its
            // Path; bytes that do not decode (another mount's odd name) are replaced, not fatal.
            lines = new String(Files.readAllBytes(Path.of("/proc/self/mountinfo")), fileNameCharset()).lines().toList();
        } catch (IOException e) {
            throw new CliException("cannot read /proc/self/mountinfo: " + e.getMessage());
        }
        String wanted = directory.toString();
        String type = null;
        for (String line : lines) {
            String[] fields = line.split(" ");
            int separator = line.indexOf(" - ");
            if (fields.length < 5 || separator < 0) {
                continue;
            }
            if (unescape(fields[4]).equals(wanted)) {
                type = line.substring(separator + 3).split(" ")[0];
            }
        }
        return type;
    }

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
