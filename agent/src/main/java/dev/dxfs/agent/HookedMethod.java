package dev.dxfs.agent;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** A method being rewritten: what the woven code needs to load its arguments and describe its frames. */
record HookedMethod(String owner, int access, String descriptor) {
    boolean isStatic() {
        return (access & Opcodes.ACC_STATIC) != 0;
    }

    Type[] arguments() {
        return Type.getArgumentTypes(descriptor);
    }

    Type returnType() {
        return Type.getReturnType(descriptor);
    }

    /** Pushes the arguments (without {@code this}) onto the operand stack. */
    void loadArguments(MethodVisitor code) {
        int slot = isStatic() ? 0 : 1;
        for (Type argument : arguments()) {
            code.visitVarInsn(argument.getOpcode(Opcodes.ILOAD), slot);
            slot += argument.getSize();
        }
    }

    /** The operand stack slots the arguments take. */
    int argumentSlots() {
        return (Type.getArgumentsAndReturnSizes(descriptor) >> 2) - 1;
    }

    /**
     * Declares a stack map frame (expanded) holding the method's parameters as locals and
     * {@code stack} on the operand stack: the woven code adds frames only where the parameters
     * are all that is live, so the woven method's own frames need no change.
     */
    void frame(MethodVisitor code, Object... stack) {
        Type[] arguments = arguments();
        int receiver = isStatic() ? 0 : 1;
        Object[] locals = new Object[receiver + arguments.length];
        if (!isStatic()) {
            locals[0] = owner;
        }
        for (int i = 0; i < arguments.length; i++) {
            locals[receiver + i] = frameType(arguments[i]);
        }
        code.visitFrame(Opcodes.F_NEW, locals.length, locals, stack.length, stack);
    }

    /**
     * Ends the body begun at {@code bodyStart} and starts a handler of {@code caught} (an internal
     * name, or null for any throwable) around it, with the caught throwable on the stack. The
     * handler is declared after the method's own ones, so theirs still catch first.
     */
    void startHandler(MethodVisitor code, Label bodyStart, String caught) {
        Label bodyEnd = new Label();
        Label handler = new Label();
        code.visitLabel(bodyEnd);
        code.visitTryCatchBlock(bodyStart, bodyEnd, handler, caught);
        code.visitLabel(handler);
        frame(code, caught == null ? "java/lang/Throwable" : caught);
    }

    private static Object frameType(Type type) {
        return switch (type.getSort()) {
            case Type.BOOLEAN, Type.BYTE, Type.CHAR, Type.SHORT, Type.INT -> Opcodes.INTEGER;
            case Type.FLOAT -> Opcodes.FLOAT;
            case Type.LONG -> Opcodes.LONG;
            case Type.DOUBLE -> Opcodes.DOUBLE;
            default -> type.getInternalName();
        };
    }
}
