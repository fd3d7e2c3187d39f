package clustertaint

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Change is a parsed set of taint edits.
type Change struct {
	// Add are the taints to add or, with overwrite, replace.
	Add []corev1.Taint
	// Remove are the taints to remove. An empty Effect removes every taint with
	// the Key.
	Remove []corev1.Taint
}

// Parse reads arguments of the forms `key=value:Effect` and `key:Effect` (add) and
// `key=value:Effect-`, `key:Effect-` and `key-` (remove). Effects are NoSchedule,
// PreferNoSchedule and NoExecute.
func Parse(args []string) (Change, error) {
	var ch Change
	for _, arg := range args {
		spec, remove := strings.CutSuffix(arg, "-")
		t, err := parseTaint(spec, remove)
		if err != nil {
			return Change{}, fmt.Errorf("invalid taint %q: %w", arg, err)
		}
		if remove {
			ch.Remove = append(ch.Remove, t)
			continue
		}
		for _, other := range ch.Add {
			if other.Key == t.Key && other.Effect == t.Effect {
				return Change{}, fmt.Errorf("taint %s:%s is given twice", t.Key, t.Effect)
			}
		}
		ch.Add = append(ch.Add, t)
	}
	if len(ch.Add) == 0 && len(ch.Remove) == 0 {
		return Change{}, fmt.Errorf("no taints given")
	}
	return ch, nil
}

// parseTaint reads `key[=value][:effect]`; the effect may only be left out when
// the taint is removed.
func parseTaint(spec string, remove bool) (corev1.Taint, error) {
	var t corev1.Taint
	kv, effect, hasEffect := strings.Cut(spec, ":")
	if hasEffect {
		t.Effect = corev1.TaintEffect(effect)
		if err := validateEffect(t.Effect); err != nil {
			return t, err
		}
	} else if !remove {
		return t, fmt.Errorf("an effect (%s, %s or %s) is required, as in key=value:NoSchedule",
			corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute)
	}
	key, value, hasValue := strings.Cut(kv, "=")
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return t, fmt.Errorf("key %q: %s", key, strings.Join(errs, "; "))
	}
	if hasValue {
		if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
			return t, fmt.Errorf("value %q: %s", value, strings.Join(errs, "; "))
		}
	}
	t.Key, t.Value = key, value
	if remove {
		t.Value = "" // removal matches on key and effect only
	}
	return t, nil
}

func validateEffect(e corev1.TaintEffect) error {
	switch e {
	case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		return nil
	}
	return fmt.Errorf("unsupported effect %q (want %s, %s or %s)", e,
		corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute)
}
