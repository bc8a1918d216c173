package org.vostok.rsvc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vostok.client.proto.Request;
import org.vostok.rdb.model.RequestId;

class RequestIdTest {

    private static Request request(byte[] clientId, long sequence) {
        return Request.newBuilder().setMethod("register.write").setClientId(ByteString.copyFrom(clientId))
                .setSequence(sequence).build();
    }

    @Test
    void aSixteenByteClientIdIsTheClientAndTheSequenceIsKeptWhole() {
        UUID client = UUID.randomUUID();
        byte[] bytes = ByteBuffer.allocate(16).putLong(client.getMostSignificantBits())
                .putLong(client.getLeastSignificantBits()).array();
        assertEquals(new RequestId(client, 7), Rsvc.requestId(request(bytes, 7)));
        assertEquals(new RequestId(client, -1L), Rsvc.requestId(request(bytes, -1L)));
    }

    @Test
    void anotherLengthGoesThroughADigestTheSameForEveryRequestOfTheClient() {
        byte[] longer = "a client of another language".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RequestId first = Rsvc.requestId(request(longer, 1));
        RequestId second = Rsvc.requestId(request(longer, 2));
        assertEquals(first.client(), second.client());
        assertEquals(2, second.sequence());
        assertNotEquals(first.client(), Rsvc.requestId(request(new byte[] {1, 2, 3}, 1)).client());
    }
}
