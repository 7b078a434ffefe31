package dev.dxfs.nativetests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A sequence of {@code fsops shell} commands run in a directory by a fresh shell, and its
 * transcript: each command with its answer, the directory written {@code {d}}, so that the
 * transcripts of one script in a plain directory and in a mount compare line for line. A fresh
 * shell hands out the same descriptor numbers in both. Inode numbers are left out of the answers:
 * a publish makes a new inode.
 */
final class ShellScript {
    private ShellScript() {}

    /** Runs {@code commands} ({@code {d}} standing for {@code dir}) in a shell of their own. */
    static List<String> run(Path dir, List<String> commands) {
        try (FsShell shell = FsShell.start()) {
            return run(shell, dir, commands);
        }
    }

    /** The same, in a shell of {@code user}'s. */
    static List<String> runAs(TestUsers.User user, Path fsops, Path dir, List<String> commands) {
        try (FsShell shell = FsShell.startAs(user, fsops)) {
            return run(shell, dir, commands);
        }
    }

    /** Runs {@code commands} in {@code shell}, which may hold descriptors and mappings from before. */
    static List<String> run(FsShell shell, Path dir, List<String> commands) {
        List<String> transcript = new ArrayList<>();
        for (String command : commands) {
            String answer = shell.call(command.replace("{d}", dir.toString())).replaceAll(" ino=\\d+", "");
            transcript.add(abbreviated(command) + " -> " + answer);
        }
        return transcript;
    }

    /** {@code text} as the hex the shell's write commands take. */
    static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** {@code count} times {@code c}, as hex. */
    static String hex(char c, int count) {
        return hex(String.valueOf(c).repeat(count));
    }

    private static String abbreviated(String command) {
        return command.length() > 80 ? command.substring(0, 80) + "..." : command;
    }
}
