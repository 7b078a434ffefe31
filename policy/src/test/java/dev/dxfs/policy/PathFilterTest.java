package dev.dxfs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathFilterTest {
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

        assertThat(filter.stages("a.log")).isTrue();
        assertThat(filter.stages("x/a.log")).isTrue();
        assertThat(filter.stages("x/y/z/a.log")).isTrue();
        assertThat(filter.stages("a.logx")).isFalse();
        assertThat(filter.stages("x/a.txt")).isFalse();
    }

    // A name-only glob that names a directory does not reach the files inside it.
    @Test
    void globWithoutSlashDoesNotMatchDirectoriesOnThePath() {
        PathFilter filter = including("build");

        assertThat(filter.stages("build")).isTrue();
        assertThat(filter.stages("x/build")).isTrue();
        assertThat(filter.stages("build/out.txt")).isFalse();
        assertThat(filter.stages("a.log/b")).isFalse();
    }

    @Test
    void globWithoutSlashSupportsAlternativesAndClasses() {
        PathFilter filter = including("*.{class,jar}", "[A-Z]*.txt");

        assertThat(filter.stages("out/A.class")).isTrue();
        assertThat(filter.stages("lib/x.jar")).isTrue();
        assertThat(filter.stages("doc/Readme.txt")).isTrue();
        assertThat(filter.stages("doc/readme.txt")).isFalse();
        assertThat(filter.stages("lib/x.war")).isFalse();
    }

    @Test
    void globWithSlashMatchesTheWholeRelativePath() {
        PathFilter filter = including("src/*.java");

        assertThat(filter.stages("src/A.java")).isTrue();
        assertThat(filter.stages("A.java")).isFalse();
        assertThat(filter.stages("lib/src/A.java")).isFalse();
        // a single '*' stops at a slash
        assertThat(filter.stages("src/pkg/A.java")).isFalse();
    }

    @Test
    void doubleStarCrossesDirectories() {
        PathFilter filter = including("build/**");

        assertThat(filter.stages("build/a")).isTrue();
        assertThat(filter.stages("build/a/b/c.txt")).isTrue();
        assertThat(filter.stages("build")).isFalse();
        assertThat(filter.stages("builds/a")).isFalse();
        assertThat(filter.stages("x/build/a")).isFalse();
    }

    @Test
    void doubleStarInsideAPathGlob() {
        PathFilter filter = including("src/**/gen/*.java");

        assertThat(filter.stages("src/a/gen/A.java")).isTrue();
        assertThat(filter.stages("src/a/b/c/gen/A.java")).isTrue();
        assertThat(filter.stages("src/a/gen/sub/A.java")).isFalse();
        assertThat(filter.stages("lib/a/gen/A.java")).isFalse();
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

        assertThat(filter.stages("a")).isTrue();
        assertThat(filter.stages("a/b/c")).isTrue();
    }

    @Test
    void includeOnlyStagesJustTheMatchingPaths() {
        PathFilter filter = including("src/**", "*.class");

        assertThat(filter.stages("src/Main.java")).isTrue();
        assertThat(filter.stages("out/A.class")).isTrue();
        assertThat(filter.stages("doc/readme.txt")).isFalse();
    }

    @Test
    void excludeOnlyStagesEverythingElse() {
        PathFilter filter = excluding("*.log", "tmp/**");

        assertThat(filter.stages("src/Main.java")).isTrue();
        assertThat(filter.stages("x/build.log")).isFalse();
        assertThat(filter.stages("tmp/a/b")).isFalse();
        assertThat(filter.stages("x/tmp/a")).isTrue();
    }

    @Test
    void excludeBeatsInclude() {
        PathFilter filter = PathFilter.of(List.of("src/**"), List.of("*.bak", "src/gen/**"));

        assertThat(filter.stages("src/Main.java")).isTrue();
        assertThat(filter.stages("src/Main.bak")).isFalse();
        assertThat(filter.stages("src/gen/A.java")).isFalse();
        assertThat(filter.stages("doc/readme.txt")).isFalse();
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
