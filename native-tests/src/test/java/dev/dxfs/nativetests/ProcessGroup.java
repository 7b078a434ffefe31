package dev.dxfs.nativetests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The processes of one process group, read from /proc. */
final class ProcessGroup {
    private ProcessGroup() {}

    /**
     * The pids of the group's processes that still run. Zombies are left out: they run nothing,
     * and the first process of some containers never reaps the orphans it inherits.
     */
    static List<Long> running(long group) {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.filter(process -> process.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(process -> runsIn(process, group))
                    .map(process -> Long.parseLong(process.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean runsIn(Path process, long group) {
        try {
            String stat = Files.readString(process.resolve("stat"));
            // "pid (name) state ppid pgrp ...": the name may hold spaces and parentheses.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]) == group && !fields[0].equals("Z");
        } catch (IOException gone) {
            return false;
        }
    }
}
