"""Drives the official Kubernetes Python client against a cluster, one step per line of output.

Usage: python3 python-client.py KUBECONFIG NAMESPACE
Each step prints `<step> <result>` on one line, so the test can read what a user would see.
"""
import json
import sys

from kubernetes import client, config, watch
from kubernetes.stream import portforward, stream


def main():
    kubeconfig, namespace = sys.argv[1], sys.argv[2]
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()

    pods = core.list_namespaced_pod(namespace, label_selector="app=curl")
    pod = pods.items[0].metadata.name
    print("list", " ".join(sorted(p.metadata.name for p in pods.items)))

    # The client sends watch=True: the first event must still arrive.
    w = watch.Watch()
    events = []
    for event in w.stream(core.list_namespaced_config_map, namespace, timeout_seconds=5):
        events.append(event["type"] + ":" + event["object"].metadata.name)
        if any(e.endswith(":python-probe") for e in events):
            w.stop()
        elif len(events) == 1:
            core.create_namespaced_config_map(namespace, {"metadata": {"name": "python-probe"}, "data": {"step": "created"}})
    print("watch", " ".join(e for e in events if e.endswith(":python-probe")))

    patched = apps.patch_namespaced_deployment("curl", namespace, {"metadata": {"labels": {"patched-by": "python"}}})
    print("patch", patched.metadata.labels.get("patched-by"))

    out = stream(core.connect_get_namespaced_pod_exec, pod, namespace, container="curl",
                 command=["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://productpage:9080/productpage"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    print("exec", out)

    resp = stream(core.connect_get_namespaced_pod_exec, pod, namespace, container="curl",
                  command=["curl", "-sS", "http://no-such-service:9080/"],
                  stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    resp.run_forever(timeout=10)
    print("exec-exit", resp.returncode, json.dumps(resp.read_stderr().strip()))

    log = core.read_namespaced_pod_log(pod, namespace, container="curl", tail_lines=10, timestamps=False)
    print("logs", "ok", len(log.splitlines()))

    gateway = core.list_namespaced_pod("istio-system", label_selector="istio=ingressgateway").items[0].metadata.name
    pf = portforward(core.connect_get_namespaced_pod_portforward, gateway, "istio-system", ports="8080")
    sock = pf.socket(8080)
    sock.setblocking(True)
    sock.sendall(b"GET /productpage HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    print("port-forward", data.split(b"\r\n", 1)[0].decode())
    pf.close()


main()
