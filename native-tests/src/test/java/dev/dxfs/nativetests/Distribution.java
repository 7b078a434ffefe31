package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The archives mvn package writes into dist/, as a user gets them. */
final class Distribution {
    static final Path DIRECTORY = Path.of(System.getProperty("dxfs.dist.directory", "../dist")).toAbsolutePath().normalize();
    static final String VERSION = System.getProperty("dxfs.version");

    private Distribution() {}

    /** The tarball for a machine with a Java runtime. */
    static Path plainTarball() {
        return DIRECTORY.resolve("dxfs-" + VERSION + ".tar.gz");
    }

    /** The tarball that carries its own runtime. */
    static Path selfContainedTarball() {
        return DIRECTORY.resolve("dxfs-" + VERSION + "-linux-x86_64.tar.gz");
    }

    /** The .deb: its name holds the version in Debian's spelling. */
    static Path deb() throws IOException {
        try (var entries = Files.list(DIRECTORY)) {
            List<Path> debs = entries.filter(path -> path.getFileName().toString().matches("dxfs_.*_amd64\\.deb")).toList();
            assertThat(debs).as("one .deb in %s, built by mvn package", DIRECTORY).hasSize(1);
            return debs.get(0);
        }
    }

    /** Unpacks {@code tarball} into {@code prefix}; returns its top directory. */
    static Path unpack(Path tarball, Path prefix) throws IOException {
        assertThat(tarball).as("built by mvn package").isRegularFile();
        Run.of(List.of("tar", "-xzf", tarball.toString(), "-C", prefix.toString())).ok();
        try (var entries = Files.list(prefix)) {
            return entries.filter(path -> path.getFileName().toString().startsWith("dxfs-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no dxfs-VERSION directory in " + tarball));
        }
    }
}
