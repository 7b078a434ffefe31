package dev.dxfs.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hooks against the class files of the JDK that runs the build (the native tests run JDK 25 too). */
class JdkWeaverTest {
    @Test
    void everyHookFindsItsMethodAndOnlyHookedClassesAreRewritten() throws IOException {
        Map<String, List<Hook>> hooks = Installer.hooks();
        JdkWeaver weaver = new JdkWeaver(hooks);
        int rewritten = 0;
        for (String type : hooks.keySet()) {
            byte[] original = classFile(type);
            byte[] woven = weaver.transform(null, type, null, null, original);
            if (woven != null) {
                rewritten++;
                assertThat(woven).as(type).isNotEqualTo(original);
            }
        }
        assertThat(weaver.missing()).as("hooks with no method in this JDK").isEmpty();
        assertThat(rewritten).as("classes rewritten").isGreaterThanOrEqualTo(5);
        assertThat(weaver.transform(null, "java/lang/String", null, null, classFile("java/lang/String")))
                .as("a class without hooks").isNull();
        assertThat(weaver.transform(getClass().getClassLoader(), "java/io/FileOutputStream", null, null,
                classFile("java/io/FileOutputStream"))).as("a class of that name from another loader").isNull();
    }

    private static byte[] classFile(String type) throws IOException {
        try (InputStream in = ClassLoader.getSystemResourceAsStream(type + ".class")) {
            return in.readAllBytes();
        }
    }
}
