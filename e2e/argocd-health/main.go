// Command argocd-health evaluates Argo CD custom health checks with Argo CD's own code (util/lua on gopher-lua),
// so the tests see exactly the status and message the application controller would show.
//
// Usage: argocd-health <argocd-cm.yaml> < objects.json
// The ConfigMap's resource.customizations.health.<group_kind> keys become health overrides the way Argo CD's
// settings read them; stdin is a JSON array of objects; stdout has one JSON line per object:
// {"status":"...","message":"..."} or {"error":"..."}.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

type result struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

// healthOverrides mirrors Argo CD's settings: key resource.customizations.health.<group>_<kind> (or .<kind>)
// is the health Lua of group/kind.
func healthOverrides(data map[string]string) (map[string]v1alpha1.ResourceOverride, error) {
	const prefix = "resource.customizations.health."
	out := map[string]v1alpha1.ResourceOverride{}
	for k, v := range data {
		groupKind, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		parts := strings.Split(groupKind, "_")
		switch {
		case len(parts) == 2:
			out[parts[0]+"/"+parts[1]] = v1alpha1.ResourceOverride{HealthLua: v}
		case len(parts) == 1 && groupKind != "":
			out[groupKind] = v1alpha1.ResourceOverride{HealthLua: v}
		default:
			return nil, fmt.Errorf("bad health customization key %q", k)
		}
	}
	return out, nil
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: %s <argocd-cm.yaml> < objects.json", os.Args[0])
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		return err
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(raw, &cm); err != nil {
		return fmt.Errorf("%s: %w", os.Args[1], err)
	}
	overrides, err := healthOverrides(cm.Data)
	if err != nil {
		return err
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	// Kubernetes' JSON decoding (integers as int64), as the objects the application controller holds.
	var objs []any
	if err := kjson.Unmarshal(in, &objs); err != nil {
		return fmt.Errorf("stdin: %w", err)
	}
	enc := json.NewEncoder(os.Stdout)
	for i, o := range objs {
		m, ok := o.(map[string]any)
		if !ok {
			return fmt.Errorf("stdin: item %d is not an object", i)
		}
		obj := &unstructured.Unstructured{Object: m}
		// The same entry the application controller uses for a resource with a configured health check.
		hs, err := lua.ResourceHealthOverrides(overrides).GetResourceHealth(obj)
		r := result{}
		switch {
		case err != nil:
			r.Error = err.Error()
		case hs == nil:
			r.Error = "no health check configured for " + obj.GroupVersionKind().GroupKind().String()
		default:
			r.Status, r.Message = string(hs.Status), hs.Message
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "argocd-health:", err)
		os.Exit(1)
	}
}
