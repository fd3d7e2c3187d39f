package membership

// Names of the objects join creates. They are fixed so that unjoin, and Karmada's own
// tooling, find them again without any bookkeeping.
const (
	// DefaultSecretNamespace is the control-plane namespace holding the members'
	// credential Secrets.
	DefaultSecretNamespace = "karmada-cluster"
	// MemberNamespace is the namespace in each member cluster that holds the
	// ServiceAccounts and token Secrets the control plane uses.
	MemberNamespace = "karmada-cluster"
	// ImpersonatorServiceAccount is the member ServiceAccount the cluster proxy uses
	// to impersonate callers. Join creates it without any rights; the control plane's
	// grant controller binds it to a ClusterRole of the same name.
	ImpersonatorServiceAccount = "karmada-impersonator"
	// ExecutionNamespacePrefix starts the name of the control-plane namespace that
	// holds the Works of one member cluster.
	ExecutionNamespacePrefix = "karmada-es-"

	// serviceAccountNameAnnotation ties a token Secret to its ServiceAccount.
	serviceAccountNameAnnotation = "kubernetes.io/service-account.name"
	// rootCAConfigMap is published into every namespace by kube-controller-manager.
	rootCAConfigMap = "kube-root-ca.crt"
	// defaultServiceAccount is created in every namespace by kube-controller-manager.
	defaultServiceAccount = "default"
)

// ControllerServiceAccount is the member ServiceAccount, ClusterRole and
// ClusterRoleBinding name that carries the control plane's rights in a member
// joined as cluster. Its token Secret has the same name.
func ControllerServiceAccount(cluster string) string { return "karmada-" + cluster }

// ExecutionNamespace is the control-plane namespace holding the Works of cluster.
func ExecutionNamespace(cluster string) string { return ExecutionNamespacePrefix + cluster }

// ControllerSecretName is the control-plane Secret (in the secret namespace) with
// the token and CA the controllers use to reach cluster.
func ControllerSecretName(cluster string) string { return cluster }

// ImpersonatorSecretName is the control-plane Secret with the impersonator's token.
func ImpersonatorSecretName(cluster string) string { return cluster + "-impersonator" }
