package io.patronus.appliance.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One bounded TCP transfer between two sites' LAN hosts (python3 in the LAN namespaces): the client sends
 * {@code bytes} and closes; both ends report the MSS their socket sends with ({@code TCP_MAXSEG}) right after the
 * handshake, which is what the other end announced in its SYN or SYN-ACK (less 12 bytes of timestamps) before any
 * path MTU discovery could lower it. Both ends give up after 20 s.
 */
record TcpTransfer(int clientMss, int serverMss, long bytes) {
    private static final String SERVER = """
            import socket
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.settimeout(20)
            s.bind((@ADDR@, @PORT@))
            s.listen(1)
            print("listening", flush=True)
            c, _ = s.accept()
            mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
            c.settimeout(20)
            n = 0
            while True:
                b = c.recv(65536)
                if not b:
                    break
                n += len(b)
            print(mss, n, flush=True)
            """;
    private static final String CLIENT = """
            import socket
            c = socket.create_connection((@ADDR@, @PORT@), timeout=20)
            mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
            c.sendall(b"x" * @COUNT@)
            c.close()
            print(mss, flush=True)
            """;

    static TcpTransfer run(Lab lab, int from, int to, int port, int bytes) throws IOException, InterruptedException {
        String address = "\"100.64." + to + ".10\"";
        Process server = new ProcessBuilder(Lab.scriptPath().toString(), "exec", lab.name(), to + "-lan", "python3", "-c",
                SERVER.replace("@ADDR@", address).replace("@PORT@", Integer.toString(port))).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null || !first.equals("listening")) {
                throw new IllegalStateException("TCP server on site " + to + " did not start: " + first);
            }
            Lab.Result client = lab.exec(from + "-lan", "python3", "-c", CLIENT.replace("@ADDR@", address)
                    .replace("@PORT@", Integer.toString(port)).replace("@COUNT@", Integer.toString(bytes)));
            if (client.exitCode() != 0) {
                throw new IllegalStateException("TCP client on site " + from + " failed: " + client.output());
            }
            String result = out.readLine();
            if (!server.waitFor(30, TimeUnit.SECONDS) || result == null) {
                throw new IllegalStateException("TCP server on site " + to + " did not finish: " + result);
            }
            String[] f = result.strip().split(" ");
            return new TcpTransfer(Integer.parseInt(client.output().strip()), Integer.parseInt(f[0]), Long.parseLong(f[1]));
        } finally {
            server.destroyForcibly();
        }
    }
}
