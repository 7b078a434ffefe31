package dev.dxfs.nativetests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The processes of one process group, read from /proc. */
final class ProcessGroup {
    private static final String ZOMBIE = "Z";
    private static final String STOPPED = "T";
    /** tpgid in /proc/PID/stat, counted from the state. */
    private static final int TERMINAL_FOREGROUND = 5;

    private ProcessGroup() {}

    /**
     * The pids of the group's processes that still run. Zombies are left out: they run nothing,
     * and the first process of some containers never reaps the orphans it inherits.
     */
    static List<Long> running(long group) {
        return List.copyOf(states(group).keySet());
    }

    /**
     * Whether process {@code pid} is stopped (SIGSTOP, SIGTSTP, ...). Of a group, ask of its
     * first process (whose pid is the group's id), not of all: one that was in vfork when the
     * group stopped waits, uninterruptibly, for its stopped child to exec.
     */
    static boolean stopped(long pid) {
        String[] stat = stat(Path.of("/proc", Long.toString(pid)));
        return stat.length > 0 && stat[0].equals(STOPPED);
    }

    /** Whether the group's first process has the foreground of its controlling terminal. */
    static boolean hasTerminal(long group) {
        String[] stat = stat(Path.of("/proc", Long.toString(group)));
        return stat.length > TERMINAL_FOREGROUND && Long.parseLong(stat[TERMINAL_FOREGROUND]) == group;
    }

    /** The state letter of each process of the group that is not a zombie, by pid. */
    private static Map<Long, String> states(long group) {
        return Unchecked.call(() -> {
            try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
                return processes.filter(process -> process.getFileName().toString().chars().allMatch(Character::isDigit))
                        .map(process -> Map.entry(Long.parseLong(process.getFileName().toString()), stat(process)))
                        .filter(process -> process.getValue().length > 2 && Long.parseLong(process.getValue()[2]) == group
                                && !process.getValue()[0].equals(ZOMBIE))
                        .collect(Collectors.toMap(Map.Entry::getKey, process -> process.getValue()[0]));
            }
        });
    }

    /** The fields after the name: state, ppid, pgrp, session, tty_nr, tpgid, ...; none for a process that is gone. */
    private static String[] stat(Path process) {
        try {
            String stat = Files.readString(process.resolve("stat"));
            // "pid (name) state ppid pgrp ...": the name may hold spaces and parentheses.
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException gone) {
            return new String[0];
        }
    }
}
