package dev.dxfs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathFilterTest {
    /** The paths, among {@code paths}, that {@code filter} stages, in their order. */
    private static List<String> staged(PathFilter filter, String... paths) {
        return Arrays.stream(paths).filter(filter::stages).toList();
    }

    private static PathFilter including(String... globs) {
        return PathFilter.of(List.of(globs), List.of());
    }

    private static PathFilter excluding(String... globs) {
        return PathFilter.of(List.of(), List.of(globs));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b/c.txt", ".hidden", ".dxfs/x.tmp", "with space/ü.txt"})
    void withoutGlobsEverythingIsStaged(String path) {
        assertThat(PathFilter.all().stages(path)).isTrue();
        assertThat(PathFilter.of(List.of(), List.of()).stages(path)).isTrue();
    }

    @Test
    void globWithoutSlashMatchesTheFileNameAtAnyDepth() {
        PathFilter filter = including("*.log");

        assertThat(staged(filter, "a.log", "x/a.log", "x/y/z/a.log", "a.logx", "x/a.txt"))
                .containsExactly("a.log", "x/a.log", "x/y/z/a.log");
    }

    // A name-only glob that names a directory does not reach the files inside it.
    @Test
    void globWithoutSlashDoesNotMatchDirectoriesOnThePath() {
        PathFilter filter = including("build");

        assertThat(staged(filter, "build", "x/build", "build/out.txt", "a.log/b"))
                .containsExactly("build", "x/build");
    }

    @Test
    void globWithoutSlashSupportsAlternativesAndClasses() {
        PathFilter filter = including("*.{class,jar}", "[A-Z]*.txt");

        assertThat(staged(filter, "out/A.class", "lib/x.jar", "doc/Readme.txt", "doc/readme.txt", "lib/x.war"))
                .containsExactly("out/A.class", "lib/x.jar", "doc/Readme.txt");
    }

    @Test
    void globWithSlashMatchesTheWholeRelativePath() {
        PathFilter filter = including("src/*.java");

        assertThat(staged(filter, "src/A.java", "A.java", "lib/src/A.java"))
                .containsExactly("src/A.java");
        // a single '*' stops at a slash
        assertThat(filter.stages("src/pkg/A.java")).isFalse();
    }

    @Test
    void doubleStarCrossesDirectories() {
        PathFilter filter = including("build/**");

        assertThat(staged(filter, "build/a", "build/a/b/c.txt", "build", "builds/a", "x/build/a"))
                .containsExactly("build/a", "build/a/b/c.txt");
    }

    @Test
    void doubleStarInsideAPathGlob() {
        PathFilter filter = including("src/**/gen/*.java");

        assertThat(staged(filter, "src/a/gen/A.java", "src/a/b/c/gen/A.java", "src/a/gen/sub/A.java", "lib/a/gen/A.java"))
                .containsExactly("src/a/gen/A.java", "src/a/b/c/gen/A.java");
    }

    // getPathMatcher semantics, unlike .gitignore: "**/" needs at least one directory, so a glob
    // meant for every depth is written without a slash.
    @Test
    void leadingDoubleStarSlashNeedsADirectory() {
        assertThat(including("**/*.log").stages("x/a.log")).isTrue();
        assertThat(including("**/*.log").stages("a.log")).isFalse();
        assertThat(including("*.log").stages("a.log")).isTrue();
    }

    @Test
    void doubleStarAloneMatchesEverything() {
        PathFilter filter = including("**");

        assertThat(staged(filter, "a", "a/b/c"))
                .containsExactly("a", "a/b/c");
    }

    @Test
    void includeOnlyStagesJustTheMatchingPaths() {
        PathFilter filter = including("src/**", "*.class");

        assertThat(staged(filter, "src/Main.java", "out/A.class", "doc/readme.txt"))
                .containsExactly("src/Main.java", "out/A.class");
    }

    @Test
    void excludeOnlyStagesEverythingElse() {
        PathFilter filter = excluding("*.log", "tmp/**");

        assertThat(staged(filter, "src/Main.java", "x/build.log", "tmp/a/b", "x/tmp/a"))
                .containsExactly("src/Main.java", "x/tmp/a");
    }

    @Test
    void excludeBeatsInclude() {
        PathFilter filter = PathFilter.of(List.of("src/**"), List.of("*.bak", "src/gen/**"));

        assertThat(staged(filter, "src/Main.java", "src/Main.bak", "src/gen/A.java", "doc/readme.txt"))
                .containsExactly("src/Main.java");
        assertThat(PathFilter.of(List.of("*.txt"), List.of("*.txt")).stages("a.txt")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[abc", "*.{log,txt", "a\\", "{a,{b,c}}"})
    void invalidIncludeGlobIsRejectedByName(String glob) {
        assertThatThrownBy(() -> PathFilter.of(List.of("*.ok", glob), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(glob)
                .hasCauseInstanceOf(PatternSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[abc", "*.{log,txt", "a\\", "{a,{b,c}}"})
    void invalidExcludeGlobIsRejectedByName(String glob) {
        assertThatThrownBy(() -> PathFilter.of(List.of("*.ok"), List.of(glob)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(glob);
    }

    @Test
    void theFirstInvalidGlobIsNamed() {
        assertThatThrownBy(() -> PathFilter.of(List.of("ok", "[first"), List.of("{second")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[first")
                .hasMessageNotContaining("{second");
    }

    @Test
    void emptyGlobIsRejected() {
        assertThatThrownBy(() -> PathFilter.of(List.of(""), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty glob");
        assertThatThrownBy(() -> PathFilter.of(List.of("*.java"), List.of("*.log", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty glob");
    }
}
