package dev.dxfs.nativetests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A generated Maven project that builds offline: it uses only the plugin versions this project's
 * own build uses, which are in the local repository.
 */
final class MavenProject {
    private MavenProject() {}

    /**
     * Writes a project named {@code artifactId} of {@code classes} classes {@code app.C0},
     * {@code app.C1}, ... (each says its {@code flavour}) to {@code dir}; {@code jarConfiguration}
     * is the jar plugin's configuration ("" for its defaults).
     */
    static Path write(Path dir, String artifactId, int classes, String flavour, String jarConfiguration)
            throws IOException {
        Path sources = Files.createDirectories(dir.resolve("src/main/java/app"));
        for (int i = 0; i < classes; i++) {
            Files.writeString(sources.resolve("C" + i + ".java"), "package app; public class C" + i
                    + " { public static String v() { return \"" + flavour + " " + i + "\"; } }\n");
        }
        Files.writeString(dir.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>dev.dxfs.test</groupId>
                  <artifactId>%s</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <build>
                    <plugins>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
                      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version></plugin>
                      <plugin>
                        <artifactId>maven-jar-plugin</artifactId>
                        <version>3.4.2</version>
                        <configuration>%s</configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(artifactId, jarConfiguration));
        return dir;
    }
}
