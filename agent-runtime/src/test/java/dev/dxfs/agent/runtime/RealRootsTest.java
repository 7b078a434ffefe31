package dev.dxfs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealRootsTest {
    @TempDir
    Path dir;

    @Test
    void aRootReachedThroughASymlinkIsItsRealPath() throws IOException {
        Path real = Files.createDirectory(dir.toRealPath().resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        RealRoots roots = new RealRoots(List.of(link));

        assertThat(roots.rootOf(real.resolve("f"))).isEqualTo(real);
        assertThat(roots.rootOf(real)).as("the root itself is not below it").isNull();
        assertThat(roots.rootOf(dir.toRealPath().resolve("other/f"))).isNull();
    }

    @Test
    void aRootMadeAfterTheStartIsARootFromThenOn() throws IOException {
        Path later = dir.toRealPath().resolve("later");
        RealRoots roots = new RealRoots(List.of(later));
        assertThat(roots.rootOf(later.resolve("f"))).as("before it exists").isNull();

        Files.createDirectory(later);

        assertThat(roots.rootOf(later.resolve("f"))).isEqualTo(later);
    }

    @Test
    void aRootRemovedAndMadeAgainIsStillTheRoot() throws IOException {
        Path target = Files.createDirectory(dir.toRealPath().resolve("target"));
        RealRoots roots = new RealRoots(List.of(target));
        assertThat(roots.rootOf(target.resolve("f"))).isEqualTo(target);

        Files.delete(target);
        Files.createDirectory(target);

        assertThat(roots.rootOf(target.resolve("f"))).isEqualTo(target);
    }

    @Test
    void aDirectoryIsNamedByTheRootThatRootOfAnswers() throws IOException {
        Path outer = Files.createDirectory(dir.toRealPath().resolve("outer"));
        Path inner = outer.resolve("inner");
        RealRoots roots = new RealRoots(List.of(inner, outer));
        assertThat(roots.rootOf(outer.resolve("f"))).isEqualTo(outer);
        assertThat(roots.rootNamedBy(outer)).as("while the inner root is not resolved").isNull();

        Files.createDirectory(inner);
        assertThat(roots.rootOf(inner.resolve("f"))).isEqualTo(inner);

        assertThat(roots.rootNamedBy(inner.resolve("sub"))).isEqualTo(inner);
        assertThat(roots.rootNamedBy(outer)).isEqualTo(outer);
        assertThat(roots.rootNamedBy(dir.toRealPath())).isNull();
    }
}
