package dev.dxfs.agent;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * A call the Dispatcher may answer itself (a staged copy, move or channel open, a delete), given
 * the same arguments (after the receiver, for a hook that passes it):
 * <pre>
 * void:      if (Dispatcher.m(args)) return;                       (boolean: answered)
 * long:      Long r = Dispatcher.m(args); if (r != null) return r; (null: not answered)
 * boolean:   Boolean r = Dispatcher.m(args); if (r != null) return r;
 * reference: R r = Dispatcher.m(args); if (r != null) return r;
 * original body
 * </pre>
 * The early return is placed after the original body, so the only frame the woven code adds is
 * at an offset no frame of the method has.
 */
final class AnswerHook extends DispatchingHook {
    private static final Type LONG = Type.getType(Long.class);
    private static final Type BOOLEAN = Type.getType(Boolean.class);

    private final Label answered = new Label();
    private final boolean receiver;

    AnswerHook(MethodVisitor code, HookedMethod method, String dispatcherMethod, boolean receiver) {
        super(code, method, dispatcherMethod);
        this.receiver = receiver;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        Type[] arguments = method.arguments();
        if (receiver) {
            super.visitVarInsn(Opcodes.ALOAD, 0);
            Type[] withReceiver = new Type[arguments.length + 1];
            withReceiver[0] = Type.getObjectType(method.owner());
            System.arraycopy(arguments, 0, withReceiver, 1, arguments.length);
            arguments = withReceiver;
        }
        callDispatcher(Type.getMethodDescriptor(answerType(), arguments));
        if (method.returnType().getSort() == Type.VOID) {
            super.visitJumpInsn(Opcodes.IFNE, answered);
        } else {
            super.visitInsn(Opcodes.DUP);
            super.visitJumpInsn(Opcodes.IFNONNULL, answered);
            super.visitInsn(Opcodes.POP);
        }
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        super.visitLabel(answered);
        Type returned = method.returnType();
        switch (returned.getSort()) {
            case Type.VOID -> {
                method.frame(mv);
                super.visitInsn(Opcodes.RETURN);
            }
            case Type.LONG -> {
                method.frame(mv, LONG.getInternalName());
                super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, LONG.getInternalName(), "longValue", "()J", false);
                super.visitInsn(Opcodes.LRETURN);
            }
            case Type.BOOLEAN -> {
                method.frame(mv, BOOLEAN.getInternalName());
                super.visitMethodInsn(Opcodes.INVOKEVIRTUAL, BOOLEAN.getInternalName(), "booleanValue", "()Z", false);
                super.visitInsn(Opcodes.IRETURN);
            }
            case Type.OBJECT -> {
                method.frame(mv, returned.getInternalName());
                super.visitInsn(Opcodes.ARETURN);
            }
            default -> throw new IllegalArgumentException("cannot answer a method returning " + returned);
        }
        // The receiver and the arguments, then the answer and its copy (a long takes two slots).
        super.visitMaxs(Math.max(maxStack, Math.max(method.argumentSlots() + 1, 2)), maxLocals);
    }

    /** What the Dispatcher returns: whether it answered a void method, else the answer or null. */
    private Type answerType() {
        return switch (method.returnType().getSort()) {
            case Type.VOID -> Type.BOOLEAN_TYPE;
            case Type.LONG -> LONG;
            case Type.BOOLEAN -> BOOLEAN;
            default -> method.returnType();
        };
    }
}
