// etcd, built from the same module graph kube-apiserver uses, so client and
// server versions match without a Debian package.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
