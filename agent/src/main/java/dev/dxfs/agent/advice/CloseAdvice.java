package dev.dxfs.agent.advice;

import dev.dxfs.agent.runtime.Dispatcher;
import java.io.IOException;
import net.bytebuddy.asm.Advice;

/** {@code close()} of a stream, file or channel: a staged write it owns is published. */
public final class CloseAdvice {
    private CloseAdvice() {}

    @Advice.OnMethodExit
    static void exit(@Advice.This Object closed) throws IOException {
        Dispatcher.closed(closed);
    }
}
