package dev.dxfs.agent.advice;

import dev.dxfs.agent.runtime.Dispatcher;
import net.bytebuddy.asm.Advice;

/** {@code FileOutputStream.open(String name, boolean append)}: a staged stream opens its temp file. */
public final class OutputStreamOpenAdvice {
    private OutputStreamOpenAdvice() {}

    @Advice.OnMethodEnter
    static void enter(@Advice.This Object stream, @Advice.Argument(value = 0, readOnly = false) String name,
            @Advice.Argument(1) boolean append) {
        name = Dispatcher.openStream(stream, name, append);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit(@Advice.This Object stream, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Dispatcher.openFailed(stream);
        }
    }
}
