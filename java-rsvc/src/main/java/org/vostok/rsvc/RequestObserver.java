package org.vostok.rsvc;

import org.vostok.client.ErrorCode;

/**
 * Hears about every request a node's services answered, for metrics. Called on the thread that
 * answered; it must be quick and must not throw.
 */
@FunctionalInterface
public interface RequestObserver {

    /** Does nothing. */
    RequestObserver NONE = (serviceId, className, method, error, nanos) -> { };

    /**
     * A request was answered.
     *
     * @param serviceId the service it was for (0 for the node service)
     * @param className the service's class name ("node" for the node service, "" when the node holds no replica)
     * @param method the method's name as the request gave it
     * @param error the error it was answered with, or null for success
     * @param nanos how long it took from its arrival to its answer
     */
    void answered(long serviceId, String className, String method, ErrorCode error, long nanos);
}
