//! The ready-made datasets: TensorDataset, Subset, ConcatDataset.

use ember::utils::data::{
    ConcatDataset, DataLoader, DataLoaderOptions, Dataset, Subset, TensorDataset,
};
use std::sync::Arc;

#[test]
fn tensor_dataset_rows_and_errors() {
    let x = ember::arange(12.0).view([4, 3]);
    let y = ember::tensor([1i64, 0, 1, 1]);
    let ds = TensorDataset::new((x.clone(), y.clone())).unwrap();
    assert_eq!(ds.len(), 4);
    let (xi, yi) = ds.get(2).unwrap();
    assert_eq!(
        (xi.to_vec::<f32>(), yi.item::<i64>()),
        (vec![6.0, 7.0, 8.0], 1)
    );
    // A row is a view of the data, as `tensor[i]` is.
    assert!(xi.shares_storage(&x));
    assert_eq!(
        ds.get(4).unwrap_err().to_string(),
        "index 4 is out of bounds for dimension 0 with size 4"
    );
    let v = TensorDataset::new(vec![x.clone(), y.clone(), x.clone()]).unwrap();
    assert_eq!(v.get(0).unwrap().len(), 3);
    let single = TensorDataset::new(y.clone()).unwrap();
    assert_eq!(single.get(3).unwrap().item::<i64>(), 1);
    let e = TensorDataset::new((x.clone(), ember::zeros([3]))).unwrap_err();
    assert_eq!(e.to_string(), "Size mismatch between tensors");
    assert!(TensorDataset::new(Vec::new()).is_err());
    assert!(TensorDataset::new(ember::scalar_tensor(1.0)).is_err());
    let loader = DataLoader::new(
        v,
        DataLoaderOptions {
            batch_size: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    let first = loader.iter().next().unwrap().unwrap();
    let shapes: Vec<&[usize]> = first.iter().map(|t| t.shape()).collect();
    assert_eq!(shapes, vec![&[3, 3][..], &[3][..], &[3, 3][..]]);
}

#[test]
fn subset_and_concat() {
    let base = Arc::new(vec![10i64, 20, 30, 40]);
    let s = Subset::new(Arc::clone(&base), vec![3, 1, 9]);
    assert_eq!((s.len(), s.get(0).unwrap(), s.get(1).unwrap()), (3, 40, 20));
    assert_eq!(s.get(2).unwrap_err().to_string(), "list index out of range");
    assert_eq!(s.get(3).unwrap_err().to_string(), "list index out of range");
    assert_eq!(s.dataset().len(), 4);
    let c = ConcatDataset::new(vec![vec![1i64], vec![], vec![2, 3]]).unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(c.cumulative_sizes(), &[1, 1, 3]);
    let all: Vec<i64> = (0..3).map(|i| c.get(i).unwrap()).collect();
    assert_eq!(all, vec![1, 2, 3]);
    assert!(c.get(3).is_err());
    assert_eq!(
        ConcatDataset::<Vec<i64>>::new(vec![])
            .unwrap_err()
            .to_string(),
        "datasets should not be an empty iterable"
    );
}
