package dev.dxfs.agent.advice;

import dev.dxfs.agent.runtime.Dispatcher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.CopyOption;
import java.nio.file.Path;
import net.bytebuddy.asm.Advice;

/**
 * {@code Files.copy(InputStream, Path, ...)}: the JDK deletes the target before it writes the
 * new one; a staged copy replaces it in one rename instead.
 */
public final class StreamCopyAdvice {
    private StreamCopyAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    static Long enter(@Advice.Argument(0) InputStream in, @Advice.Argument(1) Path target,
            @Advice.Argument(2) CopyOption[] options) throws IOException {
        return Dispatcher.copyStream(in, target, options);
    }

    @Advice.OnMethodExit
    static void exit(@Advice.Enter Long copied, @Advice.Return(readOnly = false) long returned) {
        if (copied != null) {
            returned = copied;
        }
    }
}
