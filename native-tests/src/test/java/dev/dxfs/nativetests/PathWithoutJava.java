package dev.dxfs.nativetests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A PATH that finds every program the test's own PATH finds but those of a Java installation
 * (java, jar, ...): one new directory of links. Leaving /usr/bin off PATH instead would also
 * leave off the shell, fusermount and the C compiler that rustc links with.
 */
final class PathWithoutJava {
    private PathWithoutJava() {}

    /** Links the programs into a new directory under {@code parent}; returns it, as a PATH. */
    static String in(Path parent) {
        return Unchecked.call(() -> {
            Path bin = Files.createTempDirectory(parent, "path-without-java-");
            for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
                if (dir.isEmpty() || !Files.isDirectory(Path.of(dir))) {
                    continue;
                }
                try (Stream<Path> programs = Files.list(Path.of(dir))) {
                    for (Path program : (Iterable<Path>) programs::iterator) {
                        Path link = bin.resolve(program.getFileName().toString());
                        // The first on PATH wins, as in a lookup.
                        if (Files.isExecutable(program) && !Files.isDirectory(program)
                                && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !ofJavaHome(program)) {
                            Files.createSymbolicLink(link, program);
                        }
                    }
                }
            }
            return bin.toString();
        });
    }

    /** Whether {@code program} resolves into the bin directory of a JDK or JRE (beside its release file). */
    private static boolean ofJavaHome(Path program) throws IOException {
        Path home = program.toRealPath().getParent().getParent();
        return home != null && Files.isRegularFile(home.resolve("release")) && Files.isExecutable(home.resolve("bin/java"));
    }
}
