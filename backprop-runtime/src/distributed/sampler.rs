//! Each rank's share of every epoch: PyTorch's `DistributedSampler`.

use super::DistError;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Splits the indices `0..len` of a data set over `size` ranks, epoch by epoch, as PyTorch's
/// `torch.utils.data.DistributedSampler`: every rank shuffles `0..len` with the same seed
/// (`seed + epoch`, so each epoch has its own order and every rank the same one), makes the
/// order a multiple of `size` long (repeating its first indices, or dropping its last ones with
/// [`drop_last`](Self::drop_last)), and takes every `size`-th index from position `rank`.
///
/// The shards of one epoch are disjoint (without padding) and together are the epoch's order,
/// so `size` ranks taking local batches of `b` in step see, batch by batch, the global batches
/// of `b * size` consecutive indices of [`epoch_order`](Self::epoch_order): what one process
/// would train on. The shuffle is `rand`'s `StdRng` (not PyTorch's generator), so the orders
/// themselves differ from PyTorch's.
///
/// ```
/// use backprop_runtime::distributed::DistributedSampler;
///
/// let rank0 = DistributedSampler::new(10, 0, 2)?.seed(7);
/// let rank1 = DistributedSampler::new(10, 1, 2)?.seed(7);
/// let (a, b) = (rank0.indices(3), rank1.indices(3));
/// assert_eq!((a.len(), b.len()), (5, 5));
/// let order = rank0.epoch_order(3);
/// assert_eq!(&order[..4], &[a[0], b[0], a[1], b[1]]);
/// # Ok::<(), backprop_runtime::distributed::DistError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DistributedSampler {
    len: usize,
    rank: usize,
    size: usize,
    seed: u64,
    shuffle: bool,
    drop_last: bool,
}

impl DistributedSampler {
    /// The sampler of rank `rank` out of `size` over a data set of `len` samples: shuffled,
    /// seed 0, padded (PyTorch's defaults).
    ///
    /// # Errors
    ///
    /// [`DistError::InvalidRank`] unless `rank < size`.
    pub fn new(len: usize, rank: usize, size: usize) -> Result<Self, DistError> {
        if rank >= size {
            return Err(DistError::InvalidRank { rank, size });
        }
        Ok(DistributedSampler {
            len,
            rank,
            size,
            seed: 0,
            shuffle: true,
            drop_last: false,
        })
    }

    /// The seed of the shuffle; it must be the same on every rank.
    pub fn seed(self, seed: u64) -> Self {
        DistributedSampler { seed, ..self }
    }

    /// Whether each epoch is shuffled (default `true`); unshuffled, the order is `0..len`.
    pub fn shuffle(self, shuffle: bool) -> Self {
        DistributedSampler { shuffle, ..self }
    }

    /// `true`: drop the last `len % size` indices of each epoch's order, so that no sample is
    /// seen twice in an epoch. `false` (the default): repeat the first ones, so that none is
    /// left out.
    pub fn drop_last(self, drop_last: bool) -> Self {
        DistributedSampler { drop_last, ..self }
    }

    /// How many indices each rank gets per epoch.
    pub fn num_samples(&self) -> usize {
        if self.drop_last {
            self.len / self.size
        } else {
            self.len.div_ceil(self.size)
        }
    }

    /// The whole order of `epoch`, padded or cut to `num_samples() * size` indices: rank `r`'s
    /// shard is every `size`-th index from position `r`. The same on every rank.
    pub fn epoch_order(&self, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len).collect();
        if self.shuffle {
            let mut rng = rand::rngs::StdRng::seed_from_u64(self.seed.wrapping_add(epoch));
            order.shuffle(&mut rng);
        }
        let total = self.num_samples() * self.size;
        // Padding may need more than one copy of the order when len < size.
        let mut k = 0;
        while order.len() < total {
            order.push(order[k]);
            k += 1;
        }
        order.truncate(total);
        order
    }

    /// This rank's indices for `epoch`, in the order to visit them.
    pub fn indices(&self, epoch: u64) -> Vec<usize> {
        self.epoch_order(epoch)
            .into_iter()
            .skip(self.rank)
            .step_by(self.size)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shards(len: usize, size: usize, drop_last: bool, epoch: u64) -> Vec<Vec<usize>> {
        (0..size)
            .map(|r| {
                let s = DistributedSampler::new(len, r, size).unwrap();
                s.seed(42).drop_last(drop_last).indices(epoch)
            })
            .collect()
    }

    #[test]
    fn shards_partition_the_epoch_when_it_divides() {
        let parts = shards(12, 3, false, 0);
        let mut all: Vec<usize> = parts.concat();
        all.sort_unstable();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
        assert!(parts.iter().all(|p| p.len() == 4));
    }

    #[test]
    fn padding_repeats_the_first_indices_and_dropping_cuts_the_last() {
        let s = DistributedSampler::new(10, 0, 4).unwrap().seed(42);
        let order = s.epoch_order(0);
        assert_eq!(order.len(), 12);
        assert_eq!(&order[10..], &order[..2]);
        let dropped = s.drop_last(true).epoch_order(0);
        assert_eq!(dropped, order[..8]);
        let parts = shards(10, 4, true, 0);
        let mut all = parts.concat();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 8, "no index twice when dropping");
        // Fewer samples than ranks: padding wraps around more than once.
        let tiny = DistributedSampler::new(2, 4, 5).unwrap().shuffle(false);
        assert_eq!(tiny.epoch_order(0), [0, 1, 0, 1, 0]);
        assert_eq!(tiny.indices(0), [0]);
    }

    #[test]
    fn epochs_differ_and_ranks_agree() {
        let a = DistributedSampler::new(100, 0, 2).unwrap().seed(1);
        let b = DistributedSampler::new(100, 1, 2).unwrap().seed(1);
        assert_eq!(a.epoch_order(5), b.epoch_order(5));
        assert_ne!(a.epoch_order(5), a.epoch_order(6));
        assert_ne!(a.epoch_order(5), a.seed(2).epoch_order(5));
        let unshuffled = a.shuffle(false).indices(9);
        assert_eq!(unshuffled, (0..100).step_by(2).collect::<Vec<_>>());
    }

    #[test]
    fn a_rank_outside_the_world_is_an_error() {
        assert!(matches!(
            DistributedSampler::new(10, 2, 2),
            Err(DistError::InvalidRank { rank: 2, size: 2 })
        ));
        assert!(DistributedSampler::new(10, 0, 0).is_err());
    }
}
