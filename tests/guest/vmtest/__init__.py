"""vmtest: boot Debian's kernel under QEMU with virtio-pmem devices and run
guest test cases, using QEMU's virtio_pmem_flush_request trace as the
host-side witness of every flush that reached the host."""
