package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the agent needs to know about its JVM's process, read from Linux's /proc/self/status in
 * one go: Java does not expose the umask, and {@code ProcessHandle.current()} would start the
 * JDK's process machinery in the tool's start-up.
 *
 * @param pid the process id, which temp file names carry
 * @param uid the effective user id: the owner of the files this process creates
 * @param gid the effective group id: the group of the files it creates (outside setgid directories)
 * @param umask the file mode creation mask
 */
record ProcessStatus(long pid, int uid, int gid, int umask) {
    private static final int USUAL_UMASK = 022;

    static ProcessStatus read() throws IOException {
        long pid = -1;
        int effectiveUid = -1;
        int effectiveGid = -1;
        int umask = USUAL_UMASK;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).trim();
            switch (line.substring(0, colon)) {
                case "Pid" -> pid = Long.parseLong(value);
                // Real, effective, saved and filesystem ids, tab-separated.
                case "Uid" -> effectiveUid = Integer.parseInt(value.split("\t")[1]);
                case "Gid" -> effectiveGid = Integer.parseInt(value.split("\t")[1]);
                case "Umask" -> umask = Integer.parseInt(value, 8);
                default -> { }
            }
        }
        if (pid < 0 || effectiveUid < 0 || effectiveGid < 0) {
            throw new IOException("/proc/self/status has no Pid, Uid or Gid");
        }
        return new ProcessStatus(pid, effectiveUid, effectiveGid, umask);
    }

    /** Whether the effective user is root, who may give files any owner and write any file. */
    boolean privileged() {
        return uid == 0;
    }
}
