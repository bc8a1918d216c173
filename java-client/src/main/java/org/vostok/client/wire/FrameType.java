package org.vostok.client.wire;

import java.util.Optional;

/** The kinds of frame, by the stable code they carry in the header's type byte. */
public enum FrameType {
    /** The connecting side's first frame: a {@code Hello}. */
    HELLO(1),
    /** The answer to HELLO: a {@code HelloReply}. */
    HELLO_REPLY(2),
    /** A service request: a {@code Request}, for the frame's service id, with a request id to match the reply. */
    REQUEST(3),
    /** The answer to a REQUEST: a {@code Reply} with the same request id. */
    REPLY(4),
    /** A Raft message between two replicas of the frame's service (rdb's own codec, no protobuf). */
    RAFT(5);

    private static final FrameType[] BY_CODE = new FrameType[6];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with {@code code}, or empty for a code this version does not know. */
    public static Optional<FrameType> ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? Optional.ofNullable(BY_CODE[code]) : Optional.empty();
    }
}
