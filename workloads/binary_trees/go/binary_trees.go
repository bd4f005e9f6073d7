// binary-trees: GCBench in Go, the program that workloads/binary_trees/binary_trees.cc
// mimics. Lines marked "gclab:site NAME" are the allocation sites of the C++
// workload; tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Node struct {
	left, right *Node
	i, j        int32
}

var nodesBuilt uint64

func newNode(depth int) *Node {
	nodesBuilt++
	return &Node{i: int32(depth)} // gclab:site binary-trees.Node
}

func treeSize(d int) uint64 { return 1<<(d+1) - 1 }

// Bottom-up: children first, then the parent that holds them.
func makeTree(d int) *Node {
	var left, right *Node
	if d > 0 {
		left, right = makeTree(d-1), makeTree(d-1)
	}
	n := newNode(d)
	n.left, n.right = left, right
	return n
}

// Top-down: give an empty node two children, then recurse.
func populate(d int, n *Node) {
	if d <= 0 {
		return
	}
	d--
	n.left = newNode(d)
	n.right = newNode(d)
	populate(d, n.left)
	populate(d, n.right)
}

// The nodes of a complete tree of depth d whose stamps and shape are intact.
func countTree(n *Node, d int) uint64 {
	if n == nil || int(n.i) != d {
		return 0
	}
	if d == 0 {
		if n.left == nil && n.right == nil {
			return 1
		}
		return 0
	}
	return 1 + countTree(n.left, d-1) + countTree(n.right, d-1)
}

func main() {
	flag.Parse()
	// stretch depth, long-lived depth, min depth, max depth, array size
	shape := [...][5]int{{14, 12, 4, 12, 50_000}, {18, 16, 4, 16, 500_000},
		{20, 18, 4, 18, 2_000_000}}[sizeIndex()]
	stretchDepth, longLivedDepth, minDepth, maxDepth, arraySize := shape[0], shape[1], shape[2], shape[3], shape[4]

	m := beginMeasure()
	stretch := makeTree(stretchDepth)
	stretch = nil

	longLived := newNode(longLivedDepth) // gclab:site binary-trees.root
	populate(longLivedDepth, longLived)
	array := make([]float64, arraySize) // gclab:site binary-trees.array
	for i := 0; i < arraySize/2; i++ {
		array[i] = 1.0 / float64(i)
	}
	bad := 0
	for d := minDepth; d <= maxDepth; d += 2 {
		iterations := 2 * treeSize(stretchDepth) / treeSize(d)
		for i := uint64(0); i < iterations; i++ {
			t := newNode(d) // gclab:site binary-trees.root
			populate(d, t)
			if i+1 == iterations && countTree(t, d) != treeSize(d) {
				bad++
			}
		}
		for i := uint64(0); i < iterations; i++ {
			t := makeTree(d)
			if i+1 == iterations && countTree(t, d) != treeSize(d) {
				bad++
			}
		}
	}
	longLivedNodes := countTree(longLived, longLivedDepth)
	if bad != 0 || len(array) != arraySize || array[1000] != 1.0/1000 || stretch != nil {
		fail("binary-trees: a tree or the array was damaged")
	}
	m.end("binary-trees", nodesBuilt, mix(mix(0, nodesBuilt), longLivedNodes))
}
