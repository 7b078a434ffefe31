package dev.dxfs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;

class AgentSettingsTest {
    private static final Path CWD = Path.of("/srv/app");

    @ParameterizedTest
    @NullAndEmptySource
    void withoutArgumentsTheTargetDirectoryIsStaged(String args) {
        AgentSettings settings = AgentSettings.parse(args, CWD);

        assertThat(settings.roots()).containsExactly(Path.of("/srv/app/target"));
        assertThat(settings.filter().stages("app.jar")).isTrue();
        assertThat(settings.durable()).isFalse();
        assertThat(settings.strict()).isFalse();
        assertThat(settings.debug()).isFalse();
    }

    @Test
    void everyOptionIsRead() {
        AgentSettings settings = AgentSettings.parse(
                "root=out,root=/abs/dir/../b,include=*.jar,exclude=tmp/**,fsync=true,strict=true,log=debug", CWD);

        assertThat(settings.roots()).containsExactly(Path.of("/srv/app/out"), Path.of("/abs/b"));
        assertThat(List.of(settings.filter().stages("a.jar"), settings.filter().stages("a.txt"),
                settings.filter().stages("tmp/x.jar"))).containsExactly(true, false, false);
        assertThat(settings.durable()).isTrue();
        assertThat(settings.strict()).isTrue();
        assertThat(settings.debug()).isTrue();
    }

    @Test
    void aGlobsBracesAndBracketsKeepTheirCommas() {
        AgentSettings settings = AgentSettings.parse("include=*.{jar,war},exclude=[,x]*,root=out", CWD);

        assertThat(List.of(settings.filter().stages("a.jar"), settings.filter().stages("a.war"),
                settings.filter().stages("a.ear"), settings.filter().stages(",a.jar"))).containsExactly(true, true,
                        false, false);
        assertThat(settings.roots()).containsExactly(Path.of("/srv/app/out"));
    }

    @Test
    void aRootMayBeMadeLaterButNotBeAFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("file"), "");

        assertThat(AgentSettings.parse("root=later", dir).roots()).containsExactly(dir.resolve("later"));
        assertThatThrownBy(() -> AgentSettings.parse("root=file", dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("root=file: not a directory");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bogus=1|unknown option 'bogus': expected root, include, exclude, fsync, strict or log",
        "root|bad option 'root': expected key=value",
        "root=|root= needs a directory",
        "fsync=yes|fsync=yes: expected true or false",
        "log=trace|log=trace: expected info or debug"})
    void badArgumentsAreRefusedWithOneLine(String args, String message) {
        assertThatThrownBy(() -> AgentSettings.parse(args, CWD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
