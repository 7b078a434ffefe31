package dev.dxfs.mount;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The class-data archive of dxfs's classes that a JVM without one of its own (a system JDK, not
 * the runtime the self-contained packages carry) maps at start: the JDK's start-up classes, every
 * class of dxfs.jar, and the JDK's classes and lambdas that the first mount's JVMs (the one of
 * {@code dxfs mount}, or a command line and the daemon it starts) loaded until the mount was live,
 * parsed and verified ahead of time, per user, in the cache directory. The launcher names it
 * ({@code -Ddxfs.classes=FILE}) and maps it in the JVM it starts when it exists; a daemon that a
 * command line starts maps it too. A missing archive is made in the
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
    /**
     * The suffix of a JVM's record of the classes it loads ({@code -XX:DumpLoadedClassList}),
     * beside the archive's name with a pid: the launcher has the JVM it starts record its own
     * while no archive has been made (named with the launcher's pid, which the JVM has only when
     * the launcher execs it), and the command line its daemon's (named with its own).
     */
    private static final String RECORD = ".loaded";
    /** The property the launcher names the record of the JVM it starts with. */
    private static final String OWN_RECORD = "dxfs.classes.loaded";
    private static final String DAEMON = ".daemon";

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
        if (Files.isRegularFile(archive)) {
            return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
        }
        // This mount makes the archive (unless its class list says that an attempt was made).
        return Files.exists(classList()) ? List.of() : List.of("-XX:DumpLoadedClassList=" + daemonRecord());
    }

    /**
     * Removes this JVM's records of loaded classes, and its daemon's, unless a mount has taken them
     * into a class list: a command that makes no archive leaves none behind.
     */
    static void forgetRecords() {
        String file = System.getProperty(PROPERTY);
        if (file != null && !file.isEmpty()) {
            ClassDataArchive archive = new ClassDataArchive(Path.of(file), null);
            try {
                for (Path record : archive.records()) {
                    Files.deleteIfExists(record);
                }
            } catch (IOException | RuntimeException e) {
                // A record left in the cache harms nothing; the next archive made removes it.
            }
        }
    }

    /** The record of loaded classes that this JVM's daemon writes. */
    private Path daemonRecord() {
        return archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + DAEMON + RECORD);
    }

    /** The records of loaded classes that this JVM and its daemon write (or would). */
    private List<Path> records() {
        String own = System.getProperty(OWN_RECORD);
        return own == null || own.isEmpty() ? List.of(daemonRecord()) : List.of(Path.of(own), daemonRecord());
    }

    private Path classList() {
        return archive.resolveSibling(archive.getFileName() + LIST);
    }

    /**
     * Makes the archive in the background when it is missing or older than the JVM:
     * a few seconds of one CPU, once. It is written under a temporary name and renamed when
     * complete, so that a JVM never maps half an archive. The class list stays beside it and
     * marks the attempt: a JVM that cannot make one is not asked again for the same jar.
     */
    void refreshInBackground() {
        Path classList = classList();
        try {
            if (isFresh(archive) || isFresh(classList)) {
                return;
            }
            RuntimePaths.createPrivateDirectory(archive.getParent());
            removeOthers(classList);
            Files.write(classList, classes());
            removeRecords();
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

    /**
     * Removes the records of loaded classes made for this archive: this command's and its
     * daemon's, now in the class list (the daemon writes on into the removed file), and those of
     * the commands run before the first mount that were stopped before their own removal.
     */
    private void removeRecords() throws IOException {
        String prefix = archive.getFileName() + ".";
        try (Stream<Path> files = Files.list(archive.getParent())) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.startsWith(prefix) && name.endsWith(RECORD)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /**
     * The jar's name, then the JDK's own start-up list, every class of the jar (the daemon's too),
     * and what this command line and its daemon loaded until the mount was live: the JDK's classes
     * beyond its start-up list (reflection, processes, sockets), and the lambdas, which the archive
     * holds ready-made. Each line once: a lambda listed twice crashes the JVM that makes the
     * archive (JDK 17).
     */
    private Set<String> classes() throws IOException {
        Set<String> list = new LinkedHashSet<>(List.of(JAR + jar));
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
        for (Path record : records()) {
            list.addAll(completeLines(record));
        }
        return list;
    }

    /** The lines of a record that its JVM has finished writing (none when it made none). */
    private static List<String> completeLines(Path record) throws IOException {
        if (!Files.isRegularFile(record)) {
            return List.of();
        }
        String content = Files.readString(record, StandardCharsets.UTF_8);
        return content.substring(0, content.lastIndexOf('\n') + 1).lines().toList();
    }
}
