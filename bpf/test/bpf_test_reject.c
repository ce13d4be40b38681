// A tc program the verifier must refuse (packet read without a bounds check): the loader's tests expect its
// verifier log, complete, in the load error.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#define SEC(name) __attribute__((section(name), used))

SEC("tc")
int test_reject(struct __sk_buff *skb) {
    unsigned char *data = (unsigned char *) (long) skb->data;
    // No comparison with skb->data_end: "invalid access to packet".
    return data[20];
}

char _license[] SEC("license") = "GPL";
