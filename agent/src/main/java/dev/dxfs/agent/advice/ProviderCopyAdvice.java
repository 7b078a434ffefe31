package dev.dxfs.agent.advice;

import dev.dxfs.agent.runtime.Dispatcher;
import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.Path;
import net.bytebuddy.asm.Advice;

/** {@code FileSystemProvider.copy}: a copy onto a staged path is staged and published instead. */
public final class ProviderCopyAdvice {
    private ProviderCopyAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    static boolean enter(@Advice.Argument(0) Path source, @Advice.Argument(1) Path target,
            @Advice.Argument(2) CopyOption[] options) throws IOException {
        return Dispatcher.copy(source, target, options);
    }
}
