package dev.dxfs.mount;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The class-data archive of dxfs's classes that a JVM without one of its own (a system JDK, not
 * the runtime the self-contained packages carry) maps at start: the JDK's start-up classes and
 * every class of dxfs.jar, parsed and verified ahead of time, per user, in the cache directory.
 * The launcher names it ({@code -Ddxfs.classes=FILE}) and maps it in the command line when it
 * exists; the daemon that {@code dxfs mount} starts maps it too. A missing archive is made in the
 * background once a mount is live; one the JVM cannot use (another JDK) it ignores, silently, and
 * it is made again. See "Start-up" in docs/design.md.
 */
final class ClassDataArchive {
    /** The property the launcher names the archive with. */
    static final String PROPERTY = "dxfs.classes";

    /** The class list's suffix, beside the archive's name. */
    private static final String LIST = ".classlist";
    /** The class list's first line, a comment to the JVM: the jar it lists. */
    private static final String JAR = "# jar: ";

    private final Path archive;
    private final Path jar;
    private final Path java;

    private ClassDataArchive(Path archive, Path jar) {
        this.archive = archive;
        this.jar = jar;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The archive the launcher named, or null when it named none (run as java -jar, or on the packages' runtime). */
    static ClassDataArchive named(Path jar) {
        String file = System.getProperty(PROPERTY);
        return file == null || file.isEmpty() ? null : new ClassDataArchive(Path.of(file), jar);
    }

    /**
     * The JVM options that map the archive, when there is one: the JVM checks that it was made
     * by this JVM from this jar, and otherwise starts without it. Its notes go nowhere: the
     * daemon's standard output is its answer to the mounting command, which a warning about an
     * archive would break.
     */
    List<String> jvmOptions() {
        return Files.isRegularFile(archive)
                ? List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
                : List.of();
    }

    /**
     * Makes the archive in the background when it is missing or older than the JVM:
     * a few seconds of one CPU, once. It is written under a temporary name and renamed when
     * complete, so that a JVM never maps half an archive. The class list stays beside it and
     * marks the attempt: a JVM that cannot make one is not asked again for the same jar.
     */
    void refreshInBackground() {
        Path classList = archive.resolveSibling(archive.getFileName() + LIST);
        try {
            if (isFresh(archive) || isFresh(classList)) {
                return;
            }
            RuntimePaths.createPrivateDirectory(archive.getParent());
            removeOthers(classList);
            Files.write(classList, classList());
            new ProcessBuilder("setsid", "--fork", "nice", "sh", "-c",
                    "\"$1\" -Xshare:dump -XX:SharedClassListFile=\"$2\" -XX:SharedArchiveFile=\"$3.$$\" -cp \"$4\""
                            + " && mv -f \"$3.$$\" \"$3\"; rm -f \"$3.$$\"",
                    "sh", java.toString(), classList.toString(), archive.toString(), jar.toString())
                    .directory(new File("/"))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException | RuntimeException e) {
            // Only the next start's speed depends on it.
        }
    }

    /**
     * Removes the archives of jars that are gone (an unpacked tarball deleted, a test's copy) and
     * of this jar's earlier versions: each is tens of megabytes. Their class lists name their jar
     * on their first line.
     */
    private void removeOthers(Path classList) throws IOException {
        try (Stream<Path> files = Files.list(archive.getParent())) {
            for (Path list : files.filter(file -> file.getFileName().toString().endsWith(LIST)).toList()) {
                String first;
                try (Stream<String> lines = Files.lines(list)) {
                    first = lines.findFirst().orElse("");
                }
                Path itsJar = first.startsWith(JAR) ? Path.of(first.substring(JAR.length())) : null;
                if (itsJar != null && !list.equals(classList) && (itsJar.equals(jar) || !Files.exists(itsJar))) {
                    String name = list.getFileName().toString();
                    Files.deleteIfExists(list.resolveSibling(name.substring(0, name.length() - LIST.length())));
                    Files.deleteIfExists(list);
                }
            }
        }
    }

    /**
     * Made after the JVM's library was last written (a JDK upgraded in place). The change time,
     * not the modification time, which packages set to their build's. A new jar needs no check:
     * the launcher names its archive after the jar's inode and change time as well as its path.
     */
    private static boolean isFresh(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        Path jvm = Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so");
        return !Files.exists(jvm) || changed(file).compareTo(changed(jvm)) > 0;
    }

    private static FileTime changed(Path file) throws IOException {
        return (FileTime) Files.getAttribute(file, "unix:ctime");
    }

    /** The jar's name, then the JDK's own start-up list and every class of the jar, the daemon's too. */
    private List<String> classList() throws IOException {
        List<String> list = new ArrayList<>(List.of(JAR + jar));
        Path jdkList = Path.of(System.getProperty("java.home"), "lib", "classlist");
        if (Files.isRegularFile(jdkList)) {
            try (Stream<String> lines = Files.lines(jdkList)) {
                lines.filter(line -> !line.startsWith("@") && !line.startsWith("#")).forEach(list::add);
            }
        }
        try (JarFile entries = new JarFile(jar.toFile())) {
            entries.stream().map(entry -> entry.getName())
                    .filter(name -> name.endsWith(".class") && !name.startsWith("META-INF/"))
                    .map(name -> name.substring(0, name.length() - ".class".length()))
                    .forEach(list::add);
        }
        return list;
    }
}
