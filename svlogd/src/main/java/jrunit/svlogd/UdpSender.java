package jrunit.svlogd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** The IPv4 datagram socket for {@code u}/{@code U} copies: opened on first use, never blocking. */
class UdpSender {
    private DatagramChannel channel;

    /** False if no socket can be had (runit then logs "no udp socket available"). */
    boolean available() {
        if (channel != null) return true;
        try {
            channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.configureBlocking(false);
            return true;
        } catch (IOException e) {
            channel = null;
            return false;
        }
    }

    /** Sends one datagram; false if it was not sent whole. */
    boolean send(byte[] b, int len, InetSocketAddress to) {
        try {
            return channel.send(ByteBuffer.wrap(b, 0, len), to) == len;
        } catch (IOException e) {
            return false;
        }
    }

    /** Lets go of the socket (an engine ends; its host goes on). */
    void close() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            // closed either way
        }
        channel = null;
    }
}
