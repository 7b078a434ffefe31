package dev.dxfs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a write lands when its path is named by a root's real path, which is not resolved again. */
class LandingPathTest {
    @TempDir
    Path dir;

    private Path root;
    private Path outside;
    private RealRoots roots;

    @BeforeEach
    void roots() throws IOException {
        root = Files.createDirectory(dir.toRealPath().resolve("root"));
        outside = Files.createDirectory(dir.toRealPath().resolve("outside"));
        roots = new RealRoots(List.of(root));
    }

    @Test
    void aFileAtTheTopOfARootLandsThere() throws IOException {
        LandingPath landing = LandingPath.of(root.resolve("f"), true, roots);

        assertThat(landing.path()).isEqualTo(root.resolve("f"));
        assertThat(landing.root()).isEqualTo(root);
    }

    @Test
    void aFileBelowARootLandsThere() throws IOException {
        Files.createDirectories(root.resolve("a/b"));

        assertThat(LandingPath.of(root.resolve("a/b/f"), true, roots).path()).isEqualTo(root.resolve("a/b/f"));
    }

    @Test
    void aSymlinkedDirectoryInARootIsFollowedOutOfIt() throws IOException {
        Files.createSymbolicLink(root.resolve("out"), outside);

        LandingPath landing = LandingPath.of(root.resolve("out/f"), true, roots);

        assertThat(landing.path()).isEqualTo(outside.resolve("f"));
        assertThat(landing.root()).as("not below the root").isNull();
    }

    @Test
    void aSymlinkedDirectoryDeeperInARootIsFollowedToWhereItPoints() throws IOException {
        Path real = Files.createDirectories(root.resolve("a/real"));
        Files.createDirectories(root.resolve("b"));
        Files.createSymbolicLink(root.resolve("b/link"), real);
        Files.createDirectory(root.resolve("b/link/c"));

        assertThat(LandingPath.of(root.resolve("b/link/c/f"), true, roots).path()).isEqualTo(real.resolve("c/f"));
    }

    @Test
    void aDotDotIsResolvedAfterTheSymlinkItFollows() throws IOException {
        Files.createDirectories(outside.resolve("sub"));
        Files.createSymbolicLink(root.resolve("out"), outside.resolve("sub"));

        LandingPath landing = LandingPath.of(root.resolve("out/../f"), true, roots);

        assertThat(landing.path()).isEqualTo(outside.resolve("f"));
        assertThat(landing.root()).isNull();
    }

    @Test
    void aMissingDirectoryBelowARootFailsAsTheOpenWould() {
        assertThatThrownBy(() -> LandingPath.of(root.resolve("missing/f"), true, roots)).isInstanceOf(IOException.class);
    }
}
