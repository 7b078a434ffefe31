package dev.dxfs.agent.advice;

import dev.dxfs.agent.runtime.Dispatcher;
import net.bytebuddy.asm.Advice;

/** {@code RandomAccessFile.open(String name, int mode)}: a staged "rw" file opens its temp file. */
public final class RandomAccessOpenAdvice {
    private RandomAccessOpenAdvice() {}

    @Advice.OnMethodEnter
    static void enter(@Advice.This Object file, @Advice.Argument(value = 0, readOnly = false) String name,
            @Advice.Argument(1) int mode) {
        name = Dispatcher.openRandomAccess(file, name, mode);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit(@Advice.This Object file, @Advice.Thrown Throwable thrown) {
        if (thrown != null) {
            Dispatcher.openFailed(file);
        }
    }
}
