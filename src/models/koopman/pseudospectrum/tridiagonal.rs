//! Eigenpairs of the symmetric tridiagonal matrix that Lanczos builds (its diagonal
//! `α` and off-diagonal `β`), through faer's tridiagonal eigensolver.

use faer::diag::{DiagMut, DiagRef};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::tridiagonal_self_adjoint_evd;
use faer::{Mat, Par};

/// The symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal `beta` (one
/// shorter): its eigenvalues (nondecreasing) and, if asked, eigenvectors.
fn tridiagonal_evd(
    alpha: &[f64],
    beta: &[f64],
    vectors: bool,
    scratch: &mut MemBuffer,
) -> Option<(Vec<f64>, Mat<f64>)> {
    let k = alpha.len();
    let mut sub = beta.to_vec();
    sub.resize(k, 0.0);
    let mut s = vec![0.0; k];
    let mut u = Mat::<f64>::zeros(if vectors { k } else { 0 }, if vectors { k } else { 0 });
    tridiagonal_self_adjoint_evd(
        DiagRef::from_slice(alpha),
        DiagRef::from_slice(&sub),
        DiagMut::from_slice_mut(&mut s),
        vectors.then(|| u.as_mut()),
        Par::Seq,
        MemStack::new(scratch),
        Default::default(),
    )
    .ok()?;
    Some((s, u))
}

/// The largest eigenvalue of the Lanczos tridiagonal matrix.
pub(super) fn largest_tridiagonal_eigenvalue(
    alpha: &[f64],
    beta: &[f64],
    scratch: &mut MemBuffer,
) -> Option<f64> {
    if alpha.len() == 1 {
        return Some(alpha[0]);
    }
    let (s, _) = tridiagonal_evd(alpha, beta, false, scratch)?;
    s.last().copied()
}

/// The unit eigenvector of the largest eigenvalue of the Lanczos tridiagonal matrix.
pub(super) fn largest_tridiagonal_eigenvector(
    alpha: &[f64],
    beta: &[f64],
    scratch: &mut MemBuffer,
) -> Option<Vec<f64>> {
    let k = alpha.len();
    if k == 1 {
        return Some(vec![1.0]);
    }
    let (_, u) = tridiagonal_evd(alpha, beta, true, scratch)?;
    Some((0..k).map(|i| u[(i, k - 1)]).collect())
}
