package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntPredicate;

/**
 * What the agent needs to know about its JVM's process, read from Linux's /proc/self/status in
 * one go: Java does not expose the umask, and {@code ProcessHandle.current()} would start the
 * JDK's process machinery in the tool's start-up. As a predicate of group ids: whether the
 * process is in the group.
 *
 * @param pid the process id, which temp file names carry
 * @param uid the effective user id: the owner of the files this process creates
 * @param gid the effective group id: the group of the files it creates (outside setgid directories)
 * @param umask the file mode creation mask
 * @param groups the supplementary groups
 */
record ProcessStatus(long pid, int uid, int gid, int umask, int[] groups) implements IntPredicate {
    private static final int USUAL_UMASK = 022;

    static ProcessStatus read() throws IOException {
        long pid = -1;
        int effectiveUid = -1;
        int effectiveGid = -1;
        int umask = USUAL_UMASK;
        int[] groups = new int[0];
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
                case "Groups" -> groups = numbers(value);
                default -> { }
            }
        }
        if (pid < 0 || effectiveUid < 0 || effectiveGid < 0) {
            throw new IOException("/proc/self/status has no Pid, Uid or Gid");
        }
        return new ProcessStatus(pid, effectiveUid, effectiveGid, umask, groups);
    }

    /** Whether the effective user is root, who may give files any owner and write any file. */
    boolean privileged() {
        return uid == 0;
    }

    /**
     * Whether group {@code gid} is this process's, as its own group or a supplementary one (not a
     * lambda: a staged write's setup runs in the tool's start-up, where a lambda costs a spun class).
     */
    @Override
    public boolean test(int gid) {
        if (gid == this.gid) {
            return true;
        }
        for (int group : groups) {
            if (group == gid) {
                return true;
            }
        }
        return false;
    }

    /** Numbers separated by blanks, as the Groups line lists them. */
    private static int[] numbers(String value) {
        if (value.isEmpty()) {
            return new int[0];
        }
        String[] words = value.split("\\s+");
        int[] numbers = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            numbers[i] = Integer.parseInt(words[i]);
        }
        return numbers;
    }
}
